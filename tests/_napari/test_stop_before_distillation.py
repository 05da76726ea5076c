"""Stop during the first stage of a training that distils a student: the status says the
distillation never began (it said the distillation was stopped before half of its steps)."""

from __future__ import annotations

from types import SimpleNamespace

from napari_sdap._napari.widget_train import TrainWidget
from napari_sdap.config import SDAPConfig


def test_the_wording_tells_a_stop_before_the_distillation_from_one_during_it():
    from napari_sdap._napari.wording import stopped_text

    cfg = SDAPConfig.model_validate({"training": {"stride": 1, "patch_size": 96},
                                     "student": {"student": True}})
    model = SimpleNamespace(config=cfg, student=None,
                            record=SimpleNamespace(steps=6, student_check=None))
    before = stopped_text(model, distilled=False)
    assert "before its distillation began" in before and "half" not in before
    assert "Continue distils one" in before
    assert "stopped before half of its steps" in stopped_text(model, distilled=True)


def test_stop_while_the_teacher_trains_says_no_distillation_began(make_napari_viewer, qtbot,
                                                                  small_image, tiny, wait_idle):
    """Regression: Stop at step 6 of 400 said 'its distillation was stopped before half of its
    steps', a distillation that had not started."""
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=400)
    train.start()
    qtbot.waitUntil(lambda: train.session.model is not None, timeout=30_000)
    train.stop()
    wait_idle(train)
    assert train.outcome == "stopped", train.status.text()
    model = train.session.model
    assert model.student is None and model.record.steps < 400
    text = train.status.text()
    assert "no student yet" in text, text
    assert "before its distillation began" in text and "half of its steps" not in text, text
