"""``python -m lstmlab`` (also what ``torchrun -m lstmlab`` runs)."""

from lstmlab.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
