"""``python -m carekg`` is the ``carekg`` command."""

import sys

from carekg.cli import main

sys.exit(main())
