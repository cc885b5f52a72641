"""`python -m tests.fuzz_queries` (from the repository root): see runner.py."""

import sys

from .runner import main

sys.exit(main())
