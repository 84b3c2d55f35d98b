"""``python -m lossmetrics``: the demo (the default) and the ``score`` command.

See ``python -m lossmetrics --help``; the command line is
``lossmetrics._adapters.cli``, the demo ``lossmetrics._adapters.demo``.
"""
import sys

from lossmetrics._adapters.cli import main

if __name__ == "__main__":
    sys.exit(main())
