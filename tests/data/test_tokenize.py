import pytest

from lstmlab.data.tokenize import get_tokenizer


def test_whitespace_is_str_split():
    tokenize = get_tokenizer("whitespace")
    text = "A  good<br />movie!\tReally. "
    assert tokenize(text) == text.split()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Great movie!<br /><br />Loved it.", ["great", "movie", "!", "loved", "it", "."]),
        (
            "I don't think it's the film's best",
            ["i", "don't", "think", "it's", "the", "film's", "best"],
        ),
        ("Don’t", ["don't"]),
        ("a well-made (7/10) film", ["a", "well-made", "(", "7", "/", "10", ")", "film"]),
        ("'quoted' students'", ["'", "quoted", "'", "students", "'"]),
        ("wow!!", ["wow", "!", "!"]),
        ("line<br/>break<BR>here", ["line", "break", "here"]),
        ("Café Naïve", ["café", "naïve"]),
        ("", []),
    ],
)
def test_review_tokenizer(text, expected):
    assert get_tokenizer("review")(text) == expected


def test_unknown_tokenizer():
    with pytest.raises(ValueError, match="review"):
        get_tokenizer("bpe")
