"""`python -m refbot` == `refbot`."""

import sys

from refbot.cli.core import main

sys.exit(main())
