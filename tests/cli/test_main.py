from lstmlab.cli.main import main


def test_help_lists_commands(capsys):
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "usage: lstmlab" in out


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exit:
        assert exit.code == 0
    assert "lstmlab 0.1.0" in capsys.readouterr().out
