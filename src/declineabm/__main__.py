"""``python -m declineabm`` is the ``declineabm`` command."""

import sys

from declineabm.cli import main

sys.exit(main())
