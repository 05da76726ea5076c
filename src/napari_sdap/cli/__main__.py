"""`python -m napari_sdap.cli ...`."""

import sys

from napari_sdap.cli import main

sys.exit(main())
