"""Optional extras in tests: skipped on a developer machine without them, failing in CI."""

from __future__ import annotations

import importlib
import os
from typing import Any

import pytest


def needs(module: str, extra: str) -> Any:
    """Import `module` for tests of an optional extra: skipped on a developer machine without
    the extra, but a failure in CI (CI set), where every extra is installed and a skip would
    hide a broken install."""
    if os.environ.get("CI"):
        return importlib.import_module(module)
    return pytest.importorskip(module, reason=f"needs the [{extra}] extra")
