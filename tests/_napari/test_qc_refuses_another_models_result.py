"""The Quality control panel compares a result with the noise and restore of the model that made
it, not with another model that became current since."""

from __future__ import annotations

from panel_helpers import denoiser

from napari_sdap._napari.qc_widget import QCWidget
from napari_sdap._napari.result_model import check_made_by


def _check(panel, qtbot):
    panel.check()
    qtbot.waitUntil(lambda: panel.worker is None, timeout=60_000)


def test_a_result_of_another_model_is_refused_naming_the_fix(make_napari_viewer, qtbot,
                                                             small_image, trained_model,
                                                             wait_idle, errors):
    import napari_sdap

    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="a")
    denoise = denoiser(viewer, trained_model)
    denoise.start()
    wait_idle(denoise)
    qc = QCWidget(viewer)
    _check(qc, qtbot)
    assert qc.report is not None and not qc.status.is_error
    first = qc.report
    other = napari_sdap.train(small_image, "YX", preset="tiny", steps=3, stride=1, width=8,
                              blocks=1, batch_size=2, patch_size=32, device="cpu")
    qc.session.set_model(other, "another")  # e.g. trained or loaded since
    qc.report = None
    _check(qc, qtbot)
    # (before: checked with the other model's network: restore share 0.0 where it was 1.0)
    assert qc.report is None and qc.status.is_error
    text = qc.status.text()
    assert "'a [SDAP]' was denoised by another model (2 steps" in text and "(3 steps" in text
    assert "load the model that denoised it" in text and "untick 'compare with the model" in text
    assert any("denoised by another model" in m for m in errors())
    qc.use_model.setChecked(False)  # the fix it names
    _check(qc, qtbot)
    assert qc.report is not None and qc.report is not first
    qc.use_model.setChecked(True)
    qc.session.set_model(trained_model, "back")  # the model that made it
    _check(qc, qtbot)
    assert not qc.status.is_error


def test_a_result_without_a_model_record_is_not_refused(trained_model):
    check_made_by("x", {}, trained_model)
    check_made_by("x", {"model": {}}, trained_model)


def test_a_nan_loss_is_the_same_model(trained_model):
    import copy

    model = copy.deepcopy(trained_model)
    model.record.final_loss = float("nan")
    r = model.record
    sdap = {"model": {"steps": r.steps, "student_steps": r.student_steps, "seed": r.seed,
                      "final_loss": float("nan"), "trained_on": list(r.trained_on)}}
    check_made_by("x", sdap, model)  # (NaN != NaN: it was refused as another model)
