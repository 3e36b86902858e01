"""``python -m softmaxreg``: the same as the ``softmaxreg`` command."""

import sys

from ._cli.main import main

sys.exit(main())
