"""Both panels docked in a 1920 x 1080 window: everything fits and no label is clipped."""

from __future__ import annotations

from qtpy.QtWidgets import QApplication, QLabel, QWidget
from superqt import QCollapsible

ADVANCED = ("patch size", "stride", "width", "blocks", "batch", "seed", "stack planes", "along",
            "planes each side")


def _collapsed(label: QLabel, top: QWidget) -> bool:
    """Whether `label` sits in a collapsed section (shown at zero height on purpose)."""
    w = label.parentWidget()
    while w is not None and w is not top:
        if isinstance(w, QCollapsible) and not w.isExpanded():
            return True
        w = w.parentWidget()
    return False


def clipped_labels(panel: QWidget) -> list[str]:
    """Labels of `panel` smaller than their text needs (wrapped: height for their width)."""
    bad = []
    for label in panel.findChildren(QLabel):
        if not label.isVisibleTo(panel) or not label.text() or _collapsed(label, panel):
            continue
        hint = label.sizeHint()
        need_h = label.heightForWidth(label.width()) if label.wordWrap() else hint.height()
        if label.height() < need_h or (not label.wordWrap() and label.width() < hint.width()):
            bad.append(f"{label.text()[:50]!r}: {label.width()}x{label.height()}, needs "
                       f"{'' if label.wordWrap() else hint.width()}x{need_h}")
    return bad


def _dock_both(viewer, qtbot):
    _, train = viewer.window.add_plugin_dock_widget("napari-sdap", "Train")
    _, denoise = viewer.window.add_plugin_dock_widget("napari-sdap", "Denoise")
    window = train.window()
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return train, denoise, window


def _settle(window):
    for _ in range(3):  # wrapped labels grow after their first layout pass
        QApplication.processEvents()
        window.layout().activate()


def test_panels_fit_1080p_and_no_label_is_clipped(make_napari_viewer, qtbot, small_image,
                                                   trained_model):
    viewer = make_napari_viewer(show=True)
    viewer.add_image(small_image, name="a layer with a rather long name for the panels")
    train, denoise, window = _dock_both(viewer, qtbot)
    train.session.set_model(trained_model, "a layer with a rather long name", saved=False)
    train.status.error("patch size 128 is larger than the image plane 64x64 of 'a layer'; use "
                       "a patch of at most 64 or 'auto'")
    _settle(window)
    assert window.minimumSizeHint().height() <= 1080, window.minimumSizeHint()
    assert window.minimumSizeHint().width() <= 1920 and window.height() > 0
    assert window.height() <= 1080
    assert train.minimumSizeHint().height() + denoise.minimumSizeHint().height() <= 1000
    assert clipped_labels(train) == [] and clipped_labels(denoise) == []
    assert "2 steps" in denoise.model_label.text()


def test_advanced_fields_start_hidden(make_napari_viewer, small_image, qtbot):
    from napari_sdap._napari.widget_train import TrainWidget

    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    train = TrainWidget(viewer)
    qtbot.addWidget(train)
    section = train.settings.advanced
    assert not section.isExpanded()
    inner = [ly.text() for ly in section.findChildren(QLabel)]
    assert set(ADVANCED) <= set(inner)
    for name in ("preset", "steps", "device"):  # the everyday fields stay outside
        assert name not in inner
    for w in (train.settings.patch, train.settings.width_, train.settings.blocks,
              train.settings.batch, train.settings.stride, train.settings.seed):
        assert section.isAncestorOf(w)
    train.show()
    section.expand(animate=False)  # opened, its fields show unclipped
    QApplication.processEvents()
    train.resize(train.sizeHint())
    _settle(train)
    assert section.isExpanded() and train.settings.patch.height() > 0
    assert clipped_labels(train) == []
