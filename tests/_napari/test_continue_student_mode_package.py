"""Continue in the Train panel with 'distil a fast student' unticked, on a model set to denoise
with its student (a bioimage.io package exported in mode 'student' keeps that mode when
loaded), is refused in the panel's words: the API's refusal told the panel user to "give
student=True, or mode='auto'", neither of which the panel has a field for."""

from __future__ import annotations

from napari_sdap._napari.widget_train import TrainWidget


def test_unticked_student_on_a_student_mode_model_names_the_box(make_napari_viewer, small_image,
                                                                 trained_model, errors):
    viewer = make_napari_viewer()
    viewer.add_image(small_image, name="img")
    trained_model.config.inference.mode = "student"  # (as load_model gives for such a package)
    train = TrainWidget(viewer)
    train.session.set_model(trained_model, "img", saved=True)
    train.settings.student.setChecked(False)
    train.settings.device.setCurrentText("cpu")
    train.start(resume=True)
    assert train.worker is None and trained_model.record.steps == 2
    text = train.status.text()
    assert "tick 'distil a fast student'" in text and "student=True" not in text, text
    assert "mode='auto'" not in text
