"""Let `python -m engine` behave like the `vignettes` console script."""

import sys

from engine.cli import main

sys.exit(main())
