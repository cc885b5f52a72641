"""``python -m daft.testing``: runs :func:`daft.testing.main`."""

import sys

from daft.testing import main

sys.exit(main())
