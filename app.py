"""`python app.py` is `refbot start`."""

import sys

from refbot.cli import main

if __name__ == "__main__":
    sys.exit(main(["start", *sys.argv[1:]]))
