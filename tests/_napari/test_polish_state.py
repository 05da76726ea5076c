"""Labels show the current model and state; unsaved training is never dropped without asking."""

from __future__ import annotations

import numpy as np

from napari_sdap._napari.widget_denoise import DenoiseWidget
from napari_sdap._napari.widget_train import TrainWidget
from napari_sdap._napari.wording import noise_text
from napari_sdap.training.noise import UNRELIABLE


def test_noise_is_described_in_plain_words():
    white = {"correlation_x": [0.01, -0.02, 0.0, 0.0], "correlation_y": [0.02, 0.0, 0.0, 0.0],
             "stride": 1, "mode": "bsn", "blocks": 40}
    text, details = noise_text(white)
    assert text.startswith("Noise: independent per pixel → plain blind-spot")
    assert "autocorrelation" not in text and "-0.02" in details and "stride 1" in details
    text, details = noise_text({**white, "correlation_x": [0.6, 0.2, 0.0, 0.0], "stride": 3,
                                "mode": "sdap_e"})
    assert "correlated over ~2 px" in text and "0.60" not in text and "0.60" in details
    assert "L2" not in text
    text, details = noise_text({**white, "correlation_x": [0.6, 0.1, 0.0, 0.0], "stride": 2,
                                "mode": "sdap_e", "skew": 0.25, "dark_clip": True, "loss": "l2"})
    assert "L2 loss" in text
    assert "skewness +0.25" in details and "loss l2" in details
    text, details = noise_text({**white, "correlation_x": [-2.6, -1.9, 0.0, 0.0], "stride": 2,
                                "mode": "sdap_e", "notes": [UNRELIABLE]})
    assert text.startswith("Noise: could not be measured") and "stride 2" in text
    assert "unreliable" in details and "-2.60" in details


def test_noise_assumed_on_a_small_image_is_worded_as_it_was_chosen():
    """White noise assumed from too few flat blocks read "could not be measured -> the safe
    default, blind-spot on sub-sampled images (stride 1)": stride 1 is the plain blind-spot."""
    from napari_sdap.axes import plane_view
    from napari_sdap.training.noise_small import small_image_stride

    base = {"correlation_x": [0.6, 0.3, 0.0, 0.0], "correlation_y": [0.5, 0.2, 0.0, 0.0],
            "mode": "bsn", "blocks": 12}
    small, wide = [plane_view((64, 64), "YX")], [plane_view((64, 512), "YX")]
    for blocks, views, want in (
            (12, wide, "Noise: read on a small image → white noise assumed, plain blind-spot "
                       "(stride 1)"),
            (40, small, "Noise: correlated, the stride limited by the image's size → "
                        "blind-spot on sub-sampled images (stride 2)")):
        stride, notes = small_image_stride(4, blocks, views)
        text, details = noise_text({**base, "stride": stride, "notes": notes})
        assert text.startswith(want) and notes[0] in details
        assert "could not be measured" not in text
    tiny = {**base, "stride": 1, "notes": ["image too small to measure noise (< 16 px): white "
                                           "noise is assumed (stride 1)"]}
    assert noise_text(tiny)[0].startswith("Noise: not measurable on so small an image → white "
                                          "noise assumed, plain blind-spot (stride 1)")


def test_labels_follow_training_and_continue(make_napari_viewer, small_image, tiny, wait_idle):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=30)
    denoise = DenoiseWidget(viewer)
    assert denoise.model_label.text().startswith("Model: none yet")
    train.start()
    assert not denoise.load_btn.isEnabled()  # no silent replacement of a training model
    wait_idle(train)
    assert train.outcome == "done", train.status.text()
    steps = train.session.model.record.steps
    for label in (train.model_label, denoise.model_label):
        assert f"{steps} steps" in label.text() and "not saved" in label.text()
        assert "training" not in label.text() and "untrained" not in label.text()
    assert train.noise.text().startswith("Noise: ") and "autocorrelation" in train.noise.toolTip()
    assert denoise.load_btn.isEnabled()
    train.settings.steps.setValue(4)
    train.start(resume=True)
    wait_idle(train)
    assert f"{steps + 4} steps" in denoise.model_label.text()
    assert f"{steps + 4} steps" in train.model_label.text()


def test_loading_is_refused_while_training(make_napari_viewer, small_image, tiny, tmp_path,
                                           trained_model, wait_idle, qtbot):
    path = trained_model.save(tmp_path / "m.safetensors")
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=5000)
    denoise = DenoiseWidget(viewer)
    train.start()
    qtbot.waitUntil(lambda: train.session.model is not None, timeout=60_000)
    training = train.session.model
    denoise.load_model(str(path))  # e.g. from a script: refused, said in red
    assert train.session.model is training and denoise.status.is_error
    assert "training is running" in denoise.status.text()
    train.stop()
    wait_idle(train)


def test_old_errors_clear_when_the_problem_is_gone(make_napari_viewer, small_image, tiny,
                                                   trained_model):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="small")
    train = tiny(TrainWidget(viewer), steps=2)
    train.settings.patch.setValue(128)
    train.start()
    assert train.status.is_error
    viewer.add_image(np.tile(small_image, (3, 3)), name="big")  # another layer: a fresh start
    assert not train.status.is_error and train.status.styleSheet() == ""
    denoise = DenoiseWidget(viewer)
    denoise.start()  # no model yet
    assert denoise.status.is_error
    denoise.session.set_model(trained_model, "test")
    assert not denoise.status.is_error


def test_train_asks_before_discarding_an_unsaved_model(make_napari_viewer, small_image, tiny,
                                                       wait_idle, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="cells")
    train = tiny(TrainWidget(viewer), steps=3)
    asked: list[str] = []
    answer = [False]
    train.confirm = lambda q: asked.append(q) or answer[0]
    train.start()
    wait_idle(train)
    first = train.session.model
    assert asked == []  # nothing to lose yet
    train.start()  # "no": nothing happens
    assert len(asked) == 1 and "not saved" in asked[0] and "3 steps" in asked[0]
    assert train.worker is None and train.session.model is first
    train.load_model(str(tmp_path / "none.safetensors"))  # loading would drop it too
    assert len(asked) == 2 and train.session.model is first
    answer[0] = True
    train.start()
    wait_idle(train)
    assert train.session.model is not first and len(asked) == 3
    train.save_model(str(tmp_path / "m.safetensors"))
    assert "not saved" not in train.model_label.text()
    train.start()  # saved: no question
    wait_idle(train)
    assert len(asked) == 3
