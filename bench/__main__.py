"""``python -m carekg.bench``: the same as ``carekg bench`` (see carekg.bench.runner)."""

import sys

from carekg.bench.runner import main

if __name__ == "__main__":  # multiprocessing's spawn re-imports this module: run once
    sys.exit(main())
