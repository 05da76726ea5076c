"""The distilled student: trained after the teacher, used by `auto`, exact in tiles, saved."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import napari_sdap
from napari_sdap.api.distillation import KEEP_FRACTION, MAX_FIDELITY
from napari_sdap.errors import ConfigError, InputError, ModelFileError
from napari_sdap.model.files import read_model_file, write_model_file

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 32,
        "student_steps": 150, "student": True, "student_check": False}
"""Tiny students are kept whatever the held-out check says: these tests need one."""


def _image(shape=(64, 64), seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[-2], : shape[-1]]
    clean = 0.5 + 0.3 * np.sin(xx / 5.0) * np.cos(yy / 7.0)
    return (np.broadcast_to(clean, shape) + rng.normal(0, 0.1, shape)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    return napari_sdap.train(_image(), "YX", steps=20, stride=2, **TINY)


def test_training_runs_teacher_then_student_and_counts_both(model):
    recs = list(napari_sdap.iter_train(_image(seed=1), "YX", steps=30, stride=1,
                                       **{**TINY, "student_steps": 100}))
    assert [r.stage for r in recs] == ["teacher"] * 30 + ["student"] * 100
    assert [r.step for r in recs] == list(range(1, 131))
    assert {r.steps for r in recs} == {130}
    m = recs[-1].model
    assert m.student is not None and m.record.steps == 30 and m.record.student_steps == 100
    assert len(m.record.student_losses) == 100 and m.record.student_fidelity <= MAX_FIDELITY
    assert m.resolve_mode("auto") == "student" and "student 100 steps" in repr(m)


def test_a_student_that_did_not_learn_the_teacher_is_dropped(caplog):
    """Two distillation steps: far from the teacher's result, so the teacher keeps denoising."""
    m = napari_sdap.train(_image(seed=1), "YX", steps=6, stride=1, **{**TINY, "student_steps": 2})
    assert m.student is None and m.record.student_fidelity > MAX_FIDELITY
    assert m.resolve_mode() == "bsn" and "is dropped" in caplog.text


def test_auto_uses_the_student_and_teacher_modes_stay_selectable(model):
    img = _image(seed=2)
    assert model.resolve_mode() == "student"
    out = model.denoise(img)
    np.testing.assert_array_equal(out, model.denoise(img, mode="student"))
    teacher = model.denoise(img, mode="sdap_e")
    assert not np.allclose(out, teacher)
    assert np.isfinite(out).all() and out.dtype == np.float32


@pytest.mark.parametrize("kind", ["tiles", "lazy", "stack"])
def test_student_is_exact_in_tiles_lazily_and_per_plane(model, kind):
    img = _image((3, 70, 90), seed=3)
    whole = np.stack([model.denoise(p, "YX") for p in img])
    if kind == "tiles":
        got = model.denoise(img, "ZYX", tile=32)
    elif kind == "lazy":
        got = model.denoise(img, "ZYX", tile=32, lazy=True).compute()
    else:
        got = model.denoise(img, "ZYX")
    np.testing.assert_allclose(got, whole, atol=1e-5)


@pytest.mark.parametrize("flips", [2, 8])
def test_flips_average_the_student_over_turned_images_in_tiles_and_lazily(model, flips):
    img = _image((70, 90), seed=4)
    turns = {2: [(0, False), (2, True)], 8: [(k, f) for f in (False, True) for k in range(4)]}

    def turned(a, k, flip, back=False):
        if back:
            return np.rot90(a[:, ::-1] if flip else a, -k)
        a = np.rot90(a, k)
        return a[:, ::-1] if flip else a

    by_hand = np.mean([turned(model.denoise(np.ascontiguousarray(turned(img, k, f))), k, f,
                              back=True) for k, f in turns[flips]], axis=0)
    whole = model.denoise(img, flips=flips)
    np.testing.assert_allclose(whole, by_hand, atol=1e-5)
    assert np.abs(whole - model.denoise(img)).max() > 1e-4
    np.testing.assert_allclose(model.denoise(img, tile=32, flips=flips), whole, atol=1e-5)
    lazy = model.denoise(img, tile=32, lazy=True, flips=flips).compute()
    np.testing.assert_allclose(lazy, whole, atol=1e-5)
    model.config.inference.flips = flips  # the default of every call
    try:
        np.testing.assert_array_equal(model.denoise(img), whole)
    finally:
        model.config.inference.flips = 1


def test_rgb_and_independent_channels_get_a_student():
    rgb = napari_sdap.train(_image((48, 48, 3)), "YXC", steps=3, **TINY)
    assert rgb.student is not None and rgb.student.channels == 3
    assert rgb.denoise(_image((48, 48, 3))).shape == (48, 48, 3)
    cyx = napari_sdap.train(_image((2, 48, 48)), "CYX", steps=3, **TINY)
    assert cyx.student is not None and cyx.student.channels == 1
    img = _image((2, 48, 48))
    other = img.copy()
    other[0] += 0.2  # channels are independent: channel 1's result does not see channel 0
    np.testing.assert_allclose(cyx.denoise(img, "CYX")[1], cyx.denoise(other, "CYX")[1],
                               atol=1e-6)


def test_no_student_when_turned_off_and_mode_student_then_refused():
    m = napari_sdap.train(_image(), "YX", steps=3, **{**TINY, "student": False})
    assert m.student is None and m.resolve_mode() in ("bsn", "sdap_e")
    with pytest.raises(ConfigError, match="needs a model with a distilled student"):
        m.denoise(_image(), mode="student")


@pytest.mark.parametrize(("stop_after", "kept"), [(20, False), (180, True)])
def test_a_stopped_distillation_keeps_the_student_only_late_enough(stop_after, kept):
    run = napari_sdap.iter_train(_image(), "YX", steps=3, stride=2,
                                 **{**TINY, "student_steps": 200})
    m = None
    for rec in run:
        m = rec.model
        if rec.stage == "student" and rec.step - 3 == stop_after:
            break
    run.close()
    assert (stop_after >= KEEP_FRACTION * 200) == kept
    assert (m.student is not None) == kept
    assert m.resolve_mode() == ("student" if kept else "sdap_e")


def test_continued_training_drops_the_old_student_and_distils_a_new_one(model):
    # no detail restore: a 20-step toy teacher gives back most of its input, which its student
    # need not learn to be replaced (the subject here)
    m = napari_sdap.train(_image(), "YX", steps=20, **TINY, restore_detail=False)
    old = m.student
    napari_sdap.train(_image(), "YX", steps=10, model=m)
    assert m.student is not None and m.student is not old and m.record.steps == 30


def test_student_is_saved_with_the_teacher_and_loads(model, tmp_path):
    path = model.save(tmp_path / "m.safetensors")
    _, meta = read_model_file(path)
    assert meta["format_version"] == "1.1" and meta["student"]["width"] == 8
    assert set(meta["student"]) == {"width", "dilations"}  # as before 3-D students existed
    back = napari_sdap.load_model(path)
    img = _image(seed=4)
    np.testing.assert_array_equal(back.denoise(img), model.denoise(img))
    np.testing.assert_array_equal(back.denoise(img, mode="sdap_e"),
                                  model.denoise(img, mode="sdap_e"))


def test_a_file_without_a_student_loads_and_denoises_with_the_teacher(model, tmp_path):
    """Files of format 1.0 (no student) denoise exactly as before."""
    path = model.save(tmp_path / "m.safetensors")
    tensors, meta = read_model_file(path)
    old = {k: v for k, v in tensors.items() if not k.startswith("student.")}
    meta = {k: v for k, v in meta.items() if k not in ("student", "format_version")}
    write_model_file(tmp_path / "old.safetensors", old, meta)
    back = napari_sdap.load_model(tmp_path / "old.safetensors")
    assert back.student is None and back.resolve_mode() == "sdap_e"
    img = _image(seed=5)
    np.testing.assert_array_equal(back.denoise(img), model.denoise(img, mode="sdap_e"))


@pytest.mark.parametrize("damage", ["missing", "shape", "meta"])
def test_a_damaged_student_is_a_model_file_error(model, tmp_path, damage):
    path = model.save(tmp_path / "m.safetensors")
    tensors, meta = read_model_file(path)
    meta = {k: v for k, v in meta.items() if k != "format_version"}
    if damage == "missing":
        tensors.pop("student.tail.weight")
    elif damage == "shape":
        tensors["student.head.bias"] = torch.zeros(3)
    else:
        meta["student"] = json.loads('{"width": 8, "dilations": [0]}')
    write_model_file(tmp_path / "bad.safetensors", tensors, meta)
    with pytest.raises(ModelFileError, match="student"):
        napari_sdap.load_model(tmp_path / "bad.safetensors")


def test_a_time_budget_sets_the_step_counts_of_both_stages():
    """Far more steps than the budget allows: both stages stop at what fits (measured speed)."""
    recs = list(napari_sdap.iter_train(_image(), "YX", steps=100_000, time_budget=3.0,
                                       **{**TINY, "student_steps": 100_000}))
    m = recs[-1].model
    assert 6 <= m.record.steps < 100_000
    student = [r for r in recs if r.stage == "student"]
    assert 6 <= len(student) < 100_000 and student[-1].step == student[-1].steps


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "10", True])
def test_a_bad_time_budget_is_refused(bad):
    with pytest.raises(ConfigError, match="time_budget must be a positive number of seconds"):
        napari_sdap.train(_image(), "YX", steps=2, time_budget=bad, **TINY)


@pytest.mark.parametrize(("stride", "wanted"), [(1, True), (2, False)])
def test_by_default_only_white_noise_models_get_a_student(stride, wanted):
    """`student="auto"`: distilled at stride 1 (it gained on real microscopy), not for
    correlated noise (from +0.49 to -1.94 dB against its teacher there, with no way to tell
    which without the clean image)."""
    settings = {k: v for k, v in TINY.items() if k != "student"}
    recs = list(napari_sdap.iter_train(_image(), "YX", steps=4, stride=stride, **settings))
    assert any(r.stage == "student" for r in recs) == wanted
    assert recs[-1].steps == 4 + (150 if wanted else 0)


@pytest.mark.parametrize(("stride", "student", "steps"), [(1, "auto", 250), (2, "auto", 500),
                                                      (1, False, 500)])
def test_fast_gives_a_teacher_without_student_the_student_s_time(stride, student, steps):
    from napari_sdap.api.training_end import steps_alone
    from napari_sdap.presets import config_from_preset

    cfg = config_from_preset("fast", stride=stride, student=student)
    assert steps_alone(cfg).training.steps == steps
    assert steps_alone(config_from_preset("paper", stride=2)).training.steps == 2000
    assert steps_alone(config_from_preset("paper", stride=1)).training.steps == 1000


def test_steps_without_student_apply_to_a_first_training_unless_steps_are_given():
    settings = {k: v for k, v in TINY.items() if k != "student"}
    image = _image()
    alone = napari_sdap.train(image, "YX", stride=2, steps_without_student=5, **settings)
    assert alone.record.steps == 5 and alone.config.training.steps == 5  # what ran
    assert alone.student is None
    given = napari_sdap.train(image, "YX", steps=3, stride=2, steps_without_student=5,
                              **settings)
    assert given.record.steps == 3
    more = napari_sdap.train(image, "YX", model=alone)  # Continue: the recorded steps again
    assert more.record.steps == 10
    recs = list(napari_sdap.iter_train(image, "YX", stride=1, steps_without_student=5,
                                       **{**settings, "student_steps": 2}))
    assert any(r.stage == "student" for r in recs)  # a student follows: the preset's steps
    assert recs[-1].model.record.steps == 300 and recs[-1].steps == 302


def test_the_student_needs_four_pixels_per_side(model):
    with pytest.raises(InputError, match=r"3x40 is smaller than the 4x4 minimum of mode "
                                         r"'student'; pad or enlarge the image$"):
        model.denoise(np.zeros((3, 40), np.float32))
    assert model.denoise(np.zeros((4, 5), np.float32)).shape == (4, 5)


def test_a_student_found_worse_on_held_out_pixels_is_dropped_unless_asked_for(monkeypatch,
                                                                                caplog):
    """Stride 1: the student is compared with its teacher on held-out pixels, the estimate is
    recorded, and a student still clearly worse after a second round of training is dropped
    (kept, after one round, with student_check=False)."""
    from napari_sdap.api import student_judge
    from napari_sdap.infer.risk import Comparison

    m = napari_sdap.train(_image(seed=3, shape=(96, 96)), "YX", steps=30, stride=1,
                          **{**TINY, "restore_detail": False})  # a student close to it
    check = m.record.student_check
    assert check is not None and check["pixels"] > 0 and check["excess_se"] > 0
    assert set(check) == {"excess", "excess_se", "pixels"}

    calls = []
    worse = Comparison(teacher=1e-3, student=2e-3, stderr=1e-5, noise=1e-2, pixels=1000)
    monkeypatch.setattr(student_judge, "compare", lambda *a, **k: calls.append(1) or worse)
    recs = list(napari_sdap.iter_train(_image(seed=3, shape=(96, 96)), "YX", steps=30,
                                       stride=1, **{**TINY, "student_check": True}))
    dropped = recs[-1].model
    assert dropped.student is None and dropped.resolve_mode() == "bsn"
    assert len(calls) == 2 and len([r for r in recs if r.stage == "student"]) == 300
    assert dropped.record.student_check["excess"] == pytest.approx(0.1)
    assert "held out of its training" in caplog.text and "second round" in caplog.text
    calls.clear()
    kept = napari_sdap.train(_image(seed=3, shape=(96, 96)), "YX", steps=30, stride=1,
                             **{**TINY, "student_check": False, "restore_detail": False})
    assert kept.student is not None and kept.record.student_check["excess"] == 0.1
    assert len(calls) == 1 and kept.record.student_steps == 150


def test_a_second_round_that_passes_keeps_the_student_and_counts_on(monkeypatch):
    from napari_sdap.api import student_judge
    from napari_sdap.infer.risk import Comparison

    verdicts = iter([Comparison(1e-3, 2e-3, 1e-5, 1e-2, 1000),
                     Comparison(1e-3, 0.9e-3, 1e-5, 1e-2, 1000)])
    monkeypatch.setattr(student_judge, "compare", lambda *a, **k: next(verdicts))
    recs = list(napari_sdap.iter_train(_image(seed=3, shape=(96, 96)), "YX", steps=30,
                                       stride=1, **{**TINY, "student_check": True}))
    m = recs[-1].model
    assert m.student is not None and m.record.student_steps == 300
    assert m.record.student_check["excess"] == pytest.approx(-0.01)
    assert [r.step for r in recs] == list(range(1, 331))
    assert recs[30].steps == 180 and recs[-1].steps == 330  # the total grows with the round
    assert len(m.record.student_losses) == 300


@pytest.mark.parametrize(("excess", "kept"), [(0.1, False), (0.015, True)])
def test_a_second_round_stopped_early_leaves_the_first_round_verdict(monkeypatch, excess,
                                                                      kept):
    """Stopped in its second round, the first round's student and verdict stand: dropped when
    clearly worse (10 standard errors), kept when only doubtful (1.5)."""
    from napari_sdap.api import student_judge
    from napari_sdap.infer.risk import Comparison

    verdict = Comparison(teacher=1e-3, student=1e-3 + excess * 1e-2, stderr=1e-4, noise=1e-2,
                         pixels=1000)
    judged = []

    def compare(engine, student, *a, **k):
        judged.append({n: v.detach().clone() for n, v in student.state_dict().items()})
        return verdict

    monkeypatch.setattr(student_judge, "compare", compare)
    run = napari_sdap.iter_train(_image(seed=3, shape=(96, 96)), "YX", steps=30, stride=1,
                                 **{**TINY, "student_check": True})
    for rec in run:
        if rec.step == 30 + 150 + 100:
            break
    run.close()
    m = rec.model
    assert len(judged) == 1 and (m.student is not None) == kept
    assert m.record.student_check["excess"] == pytest.approx(excess)
    if kept:  # the first round's weights, steps and losses
        assert m.record.student_steps == 150 and len(m.record.student_losses) == 150
        for name, value in m.student.state_dict().items():
            torch.testing.assert_close(value, judged[0][name])


def test_correlated_noise_students_are_not_checked(model):
    """Stride 2: the estimate needs noise independent per pixel, so there is none."""
    assert model.student is not None and model.record.student_check is None


def test_a_failing_check_keeps_the_student_unchecked(monkeypatch, caplog):
    from napari_sdap.api import student_judge

    def fail(*a, **k):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(student_judge, "compare", fail)
    m = napari_sdap.train(_image(seed=4, shape=(96, 96)), "YX", steps=30, stride=1,
                          **{**TINY, "student_check": True, "restore_detail": False})
    assert m.student is not None and m.record.student_check is None
    assert "kept unchecked" in caplog.text


def test_targets_restore_at_least_what_the_teacher_itself_gives_back(monkeypatch):
    """The student's targets: the plain curve's restore at full strength, and per pixel at
    least the teacher's own (gated) restore, so that detail the teacher gives back is learned."""
    from napari_sdap.api import distillation

    seen = []
    real = distillation.teacher
    monkeypatch.setattr(distillation, "teacher",
                        lambda *a, **k: seen.append(a[4]) or real(*a, **k))
    m = napari_sdap.train(_image(seed=5, shape=(96, 96)), "YX", steps=20, stride=1, **TINY)
    (refine,) = seen
    stage = {"blur", "blur_mode", "mix", "mix_blur", "mix_guard"}  # chosen after the distillation
    assert refine.detail and refine.at_least is not None
    assert refine.at_least.model_dump(exclude=stage) == m.noise_curve.model_dump(exclude=stage)
    assert refine.curve is not refine.at_least and refine.curve.strength == 1.0
    seen.clear()
    napari_sdap.train(_image(seed=5, shape=(96, 96)), "YX", steps=20, stride=1,
                      restore_detail=False, **TINY)
    assert seen == [None] or not seen[0].detail


def _stage(score: float, judged, check: bool = True, done: int = 100):
    """A finished distillation stage with the given fit (`score`) and held-out verdict."""
    from types import SimpleNamespace

    from napari_sdap.api.distillation import _Stage

    stage = object.__new__(_Stage)
    config = SimpleNamespace(student=SimpleNamespace(student_check=check))
    stage.model = SimpleNamespace(config=config)
    stage.score, stage.judged, stage.done, stage.planned = score, judged, done, 100
    return stage


@pytest.mark.parametrize(("score", "judged", "check", "done", "kept"), [
    (0.1, None, True, 100, True),  # close to the teacher: kept unchecked
    (0.4, None, True, 100, False),  # far from it and unchecked (correlated noise, 3-D)
    (0.4, "ok", True, 100, True),  # far from it, checked on held-out pixels: the check decides
    (0.4, "ok", False, 100, False),  # the check turned off: the fit decides
    (float("nan"), "ok", True, 100, False),  # diverged
    (0.4, "ok", True, 10, False)])  # stopped early
def test_the_held_out_check_decides_where_it_runs(score, judged, check, done, kept):
    from napari_sdap.infer.risk import Comparison

    verdict = Comparison(1.0, 0.99, 0.01, 1.0, 1000) if judged else None
    assert _stage(score, verdict, check, done).usable is kept


@pytest.mark.parametrize(("score", "said"), [(0.1, "kept unchecked"),
                                             (0.4, "judged by its fit alone")])
def test_a_failing_check_says_what_decides(monkeypatch, caplog, score, said):
    """Where the held-out comparison fails, the fit bar decides: the log says so, and never
    that a student far from its teacher is kept."""
    import logging

    from napari_sdap.api import distillation

    def fail(*a, **k):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(distillation, "judge", fail)
    monkeypatch.setattr(distillation, "fidelity", lambda *a: score)
    stage = _stage(score, None)
    stage.student, stage.check, stage.device = torch.nn.Identity(), None, "cpu"
    stage.sources = []
    with caplog.at_level(logging.WARNING, logger="napari_sdap"):
        stage.settle()
    assert said in caplog.text and stage.judged is None
    assert stage.usable is (score <= MAX_FIDELITY)


def test_the_student_s_output_mix_is_recorded_with_its_output(model, tmp_path):
    """A student's output mix (on with the detail setting) changed the output while both
    records said `detail_restore: false`: two outputs, one record."""
    import zarr

    mixed = napari_sdap.load_model(model.save(tmp_path / "m.safetensors"))
    mixed.noise_curve = mixed.noise_curve.model_copy(
        update={"mix": 0.5, "mix_blur": 1.0, "blur_mode": "student"})
    img = _image(seed=3)
    records = {}
    for detail in (True, False):
        out = tmp_path / f"{detail}.zarr"
        mixed.denoise(img, "YX", mode="student", detail=detail, output=out)
        records[detail] = zarr.open_array(out, mode="r").attrs["napari_sdap"]["metadata"]
    on, off = records[True], records[False]
    assert on["detail_restore"] is off["detail_restore"] is False  # the student learned it
    assert (on["output_mix"], off["output_mix"]) == (0.5, 0.0)
    assert on["config"]["inference"]["restore_detail"] is True
    assert off["config"]["inference"]["restore_detail"] is False
    again = mixed.denoise(img, "YX", mode="student",  # the record reproduces the output
                          detail=on["config"]["inference"]["restore_detail"])
    np.testing.assert_array_equal(np.asarray(zarr.open_array(tmp_path / "True.zarr")), again)
