"""examples/napari_script.py: clean errors for bad input, training off the main thread."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "napari_script.py"


@pytest.fixture
def script(make_napari_viewer, monkeypatch):
    """The example as a module; its viewers come from napari's test fixture (which sets up and
    tears down the plugin registrations a plain `napari.Viewer` would repeat)."""
    import napari

    monkeypatch.setattr(napari, "Viewer", lambda show=False, title="":
                        make_napari_viewer(show=show, title=title))
    spec = importlib.util.spec_from_file_location("napari_script_polish", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_file_is_a_message_not_a_traceback(script, tmp_path, capsys):
    with pytest.raises(SystemExit) as end:
        script.main(["--headless", "--image", str(tmp_path / "nope.tif")])
    assert end.value.code == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_4d_tiff_without_axes_trains_or_says_why(script, tmp_path, capsys):
    import tifffile

    path = tmp_path / "four.tif"
    rng = np.random.default_rng(0)
    tifffile.imwrite(path, rng.normal(0, 1, (2, 3, 32, 32)).astype(np.float32))
    viewer = script.main(["--headless", "--keep-open", "--image", str(path), "--steps", "2",
                          "--device", "cpu"])
    assert viewer.layers[-1].name == "four.tif [SDAP]"
    assert viewer.layers[-1].data.shape == (2, 3, 32, 32)
    with pytest.raises(SystemExit) as end:  # axes that do not fit: a message
        script.main(["--headless", "--image", str(path), "--axes", "ZYX"])
    assert end.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_window_mode_trains_in_a_worker(script, qtbot, monkeypatch):
    import threading

    threads = []
    real = script.train_worker

    def spy(*args):
        threads.append(threading.current_thread() is threading.main_thread())
        return (yield from real(*args))

    monkeypatch.setattr(script, "train_worker", spy)
    viewer = script.main(["--no-block", "--steps", "2", "--device", "cpu", "--planes", "2",
                          "--size", "64"])
    worker = script.WORKERS[-1]
    assert [ly.name for ly in viewer.layers] == ["noisy stack"]  # main() returned at once
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: "noisy stack [SDAP]" in viewer.layers, timeout=30_000)
    assert threads == [False]  # trained off the main thread: the window stays responsive
