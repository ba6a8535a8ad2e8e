"""``python -m netcollapse``: the same as the ``netcollapse`` command."""

import sys

from netcollapse.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
