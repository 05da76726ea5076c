"""`napari-sdap ... 2>&-`: a standard stream the shell closed got the number of the next file
opened (the output folder's lock), which then received what libraries wrote to standard
error and was inherited by `--workers` children as theirs; it is the null device now."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_CODE = ("import os, sys; sys.argv = ['napari-sdap', '--version']; "
         "from napari_sdap.cli import main; code = main(); "
         "sys.stdout.write(os.readlink('/proc/self/fd/2') + ' ' + str(code))")


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="reads /proc/self/fd")
def test_a_closed_stderr_is_the_null_device():
    done = subprocess.run([sys.executable, "-c", _CODE], stdout=subprocess.PIPE, text=True,
                          preexec_fn=lambda: os.close(2), timeout=120, check=False)
    assert done.stdout.split()[-2:] == [os.devnull, "0"], done
