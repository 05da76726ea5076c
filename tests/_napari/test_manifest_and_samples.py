"""The npe2 manifest, its menu entries and the procedural sample data."""

from __future__ import annotations

import importlib
from importlib.resources import files

import numpy as np
from npe2 import PluginManifest

from napari_sdap._napari.sample_data import correlated_stack, make_stack, noisy_cells

MANIFEST = files("napari_sdap._napari") / "napari.yaml"


def test_manifest_validates_and_commands_import():
    mf = PluginManifest.from_file(str(MANIFEST))
    assert mf.name == "napari-sdap"
    mf.validate_imports()  # every python_name resolves to an importable object
    for cmd in mf.contributions.commands:
        module, _, name = cmd.python_name.partition(":")
        assert callable(getattr(importlib.import_module(module), name))


def test_menus_are_contributable_and_point_at_widgets():
    from napari._app_model.constants import MenuId

    mf = PluginManifest.from_file(str(MANIFEST))
    menus = mf.contributions.menus
    contributable = {m.value for m in MenuId.contributables()}
    own = {s.id for s in mf.contributions.submenus}
    assert set(menus) <= contributable | own
    assert "napari/layers/filter" in menus
    widget_cmds = {w.command for w in mf.contributions.widgets}
    entries = {item.command for items in menus.values() for item in items
               if hasattr(item, "command")}
    assert widget_cmds <= entries


def test_widgets_and_samples_through_napari(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-sdap", "noisy_cells")
    layer = viewer.layers["noisy cells"]
    assert layer.data.shape == (256, 256) and layer.data.dtype == np.uint16
    _dock, widget = viewer.window.add_plugin_dock_widget("napari-sdap", "Train")
    assert widget.picker.currentText() == "noisy cells" and widget.axes.text() == "YX"
    _, denoise = viewer.window.add_plugin_dock_widget("napari-sdap", "Denoise")
    assert denoise.session is widget.session  # both widgets share the viewer's model


def test_sample_stack_has_correlated_noise():
    from napari_sdap.axes import plane_view
    from napari_sdap.training.noise import estimate_noise

    data, meta, kind = correlated_stack()[0]
    assert kind == "image" and data.shape == (8, 256, 256) and meta["scale"] == (2.0, 0.5, 0.5)
    _clean, noisy = make_stack()
    assert estimate_noise([(data, plane_view(data.shape, "ZYX"))]).stride >= 2
    assert estimate_noise([(noisy, plane_view(noisy.shape, "ZYX"))]).stride >= 2
    cells = noisy_cells()[0][0]
    assert estimate_noise([(cells, plane_view(cells.shape, "YX"))]).stride == 1
    np.testing.assert_array_equal(make_stack()[1], noisy)  # seeded: the same every time


def test_line_scan_sample_has_noise_along_x_that_training_whitens(make_napari_viewer):
    from napari_sdap._napari.sample_data import line_scan, make_scan
    from napari_sdap.axes import plane_view
    from napari_sdap.infer.whiten import choose_whitening
    from napari_sdap.training.noise import estimate_noise

    data, meta, kind = line_scan()[0]
    assert kind == "image" and data.shape == (256, 256) and data.dtype == np.uint8
    assert meta["scale"] == (0.5, 0.5)
    np.testing.assert_array_equal(data, make_scan()[1])  # seeded: the same every time
    noise = estimate_noise([(data, plane_view(data.shape, "YX"))])
    assert choose_whitening(noise.correlation_x, noise.correlation_y).axis == "X"
    viewer = make_napari_viewer()
    viewer.open_sample("napari-sdap", "line_scan")
    assert viewer.layers["noisy line scan"].data.shape == (256, 256)
