"""``python -m autograder.data ...``: see ``cli.main``."""

import sys

from .cli import main

sys.exit(main())
