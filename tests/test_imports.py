"""The engine imports without napari, magicgui or Qt, and `import napari_sdap` stays torch-free."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import napari_sdap

PACKAGE = Path(napari_sdap.__file__).parent

BLOCKER = textwrap.dedent("""
    import importlib, importlib.abc, sys

    BLOCKED = ("napari", "magicgui", "qtpy", "superqt", "PyQt5", "PyQt6", "PySide2", "PySide6")

    class Blocker(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked import of {name}")
            return None

    sys.meta_path.insert(0, Blocker())
""")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", BLOCKER + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"})


def _core_modules() -> list[str]:
    mods = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        if "_napari" in rel.parts or rel.name == "__main__":  # __main__ runs the CLI
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods.append(".".join(parts))
    return mods


def test_blocker_really_blocks():
    res = _run("import napari")
    assert res.returncode != 0 and "blocked import of napari" in res.stderr


def test_every_module_outside_napari_imports_without_qt():
    modules = _core_modules()
    assert "napari_sdap.api.model" in modules and "napari_sdap.config" in modules
    res = _run(f"""
        import importlib
        for name in {modules!r}:
            importlib.import_module(name)
    """)
    assert res.returncode == 0, res.stderr[-3000:]


def test_import_napari_sdap_does_not_import_torch():
    res = _run("""
        import sys
        import napari_sdap
        napari_sdap.SdapError, napari_sdap.__version__
        assert "torch" not in sys.modules, "import napari_sdap imported torch"
        import napari_sdap.config, napari_sdap.axes, napari_sdap.errors
        assert "torch" not in sys.modules, "config/axes/errors imported torch"
        napari_sdap.create_model
        assert "torch" in sys.modules
    """)
    assert res.returncode == 0, res.stderr[-3000:]
