"""Where results go: output folder, the cache and clearing it, save as, a layer per run."""

from __future__ import annotations

import numpy as np
import pytest

from napari_sdap._napari.widget_denoise import DenoiseWidget


@pytest.fixture
def panel(make_napari_viewer, small_image, trained_model):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img", scale=(0.5, 0.5), units=("um", "um"))
    widget = DenoiseWidget(viewer)
    widget.session.set_model(trained_model, "test")
    widget.device.setCurrentText("cpu")
    return widget


def _run(widget, wait_idle):
    widget.start()
    wait_idle(widget)
    assert widget.outcome == "done", widget.status.text()
    return widget.out_layer


def test_empty_folder_means_the_cache_never_the_working_folder(panel, wait_idle, tmp_path,
                                                               monkeypatch, _cache_in_tmp):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    panel.folder.setText("")
    _run(panel, wait_idle)
    assert list(work.iterdir()) == []
    assert panel.output_path.parent == _cache_in_tmp
    assert str(panel.output_path.absolute()) in panel.status.text()
    assert panel.output.cache.text().startswith("Cache: ") and "1 result" in \
        panel.output.cache.text()


def test_results_go_to_the_chosen_folder(panel, wait_idle, tmp_path, _cache_in_tmp):
    target = tmp_path / "mine"
    panel.folder.setText(str(target))
    _run(panel, wait_idle)
    assert panel.output_path.parent == target and str(target) in panel.status.text()
    assert not _cache_in_tmp.exists() or not any(_cache_in_tmp.iterdir())


def test_clear_cache_keeps_shown_results(panel, wait_idle, _cache_in_tmp):
    panel.output.compare.setChecked(True)
    _run(panel, wait_idle)
    _run(panel, wait_idle)
    stale = _cache_in_tmp / "gone-20200101.sdap.ome.zarr"  # from an earlier session
    stale.mkdir()
    (stale / "data").write_bytes(b"x" * 1000)
    panel.output.refresh()
    assert "3 result(s)" in panel.output.cache.text()
    asked = []
    panel.confirm = lambda q: asked.append(q) or False
    assert panel.output.clear() == (0, 0) and stale.exists()  # "no" keeps everything
    panel.confirm = lambda q: asked.append(q) or True
    assert panel.output.clear() == (1, 2)
    assert not stale.exists() and len(asked) == 2 and "3 cached result(s)" in asked[0]
    for name in ("img [SDAP sdap_e]", "img [SDAP sdap_e 2]"):
        store = panel.viewer.layers[name].metadata["sdap"]["store"]
        assert np.isfinite(np.asarray(panel.viewer.layers[name].data)).all() and store
    assert "2 result(s)" in panel.output.cache.text()


@pytest.mark.parametrize("suffix", [".tif", ".ome.zarr"])
def test_save_result_as(panel, wait_idle, tmp_path, suffix):
    from napari_sdap.io.readers import open_image

    assert not panel.save_btn.isEnabled()
    out = _run(panel, wait_idle)
    assert panel.save_btn.isEnabled()
    path = panel.save_result(str(tmp_path / f"saved{suffix}"))
    assert path == (tmp_path / f"saved{suffix}").absolute() and str(path) in panel.status.text()
    with open_image(path) as saved:
        np.testing.assert_allclose(np.asarray(saved.array), np.asarray(out.data))
        assert saved.scale["X"] == pytest.approx(0.5)
    assert panel.save_result(str(path)) is None  # never replaces a file given by path
    assert panel.status.is_error and path.exists()


def test_a_layer_per_run_to_compare_modes(panel, wait_idle, _cache_in_tmp):
    panel.output.compare.setChecked(True)
    panel.mode.setCurrentText("bsn")
    _run(panel, wait_idle)
    panel.mode.setCurrentText("sdap_e")
    _run(panel, wait_idle)
    names = [ly.name for ly in panel.viewer.layers]
    assert names == ["img", "img [SDAP bsn]", "img [SDAP sdap_e]"]
    a, b = (np.asarray(panel.viewer.layers[n].data) for n in names[1:])
    assert not np.allclose(a, b)  # two different results side by side
    assert len(list(_cache_in_tmp.iterdir())) == 2  # both stores kept
    assert panel.picker.currentText() == "img"  # results are never offered as input
    assert [panel.picker.itemText(i) for i in range(panel.picker.count())] == ["img"]
    panel.output.compare.setChecked(False)
    _run(panel, wait_idle)
    assert "img [SDAP]" in panel.viewer.layers and len(panel.viewer.layers) == 4
