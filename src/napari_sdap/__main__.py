"""`python -m napari_sdap ...`: the `napari-sdap` command, where its script is not on the PATH
(a cron job or a scheduler's minimal environment, Windows without the Scripts folder on PATH).
Python refused it before ("'napari_sdap' is a package and cannot be directly executed")."""

import sys

from napari_sdap.cli import main

sys.exit(main())
