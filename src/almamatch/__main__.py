"""``python -m almamatch``: the ``almamatch`` program."""

from almamatch.cli.main import console

if __name__ == "__main__":
    console()
