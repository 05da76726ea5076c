"""The student of a 3-D model: distilled from the 3-D teacher, reads the teacher's planes, writes
the centre plane, exact in tiles, lazily and streamed, saved with the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import napari_sdap
from napari_sdap.api.distillation import MAX_FIDELITY
from napari_sdap.config import wants_student
from napari_sdap.errors import ModelFileError
from napari_sdap.model.files import read_model_file, write_model_file
from napari_sdap.model.volume import mirror
from napari_sdap.presets import config_from_preset

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 16,
        "student_steps": 100, "dims": 3}


def _stack(shape=(8, 48, 48), seed=0):
    """Smooth structure shared by neighbouring planes, plus noise; extra leading axes (C) get
    shifted copies."""
    rng = np.random.default_rng(seed)
    z, y, x = np.mgrid[0:shape[0], 0:shape[-2], 0:shape[-1]].astype(np.float32)
    clean = 0.5 + 0.3 * np.sin(x / 4.0 + z / 6.0) * np.cos(y / 5.0)
    if len(shape) == 4:  # Z C Y X
        clean = np.stack([clean + 0.1 * c for c in range(shape[1])], axis=1)
    return (clean + rng.normal(0, 0.1, clean.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def records():
    return list(napari_sdap.iter_train(_stack(), "ZYX", steps=4, stride=1, **TINY))


@pytest.fixture(scope="module")
def model(records):
    return records[-1].model


def _by_hand(model, img, along_axis=0):
    """Each whole plane through the student, its mirrored neighbours stacked by hand."""
    net, norm = model.student, model.normalization
    depth = img.shape[along_axis]
    planes = np.moveaxis(img, along_axis, 0)
    out = np.empty_like(planes)
    for z in range(depth):
        window = np.stack([planes[mirror(z + i, depth)] for i in (-1, 0, 1)])
        x = torch.from_numpy(norm.forward(window, 0))[None]
        with torch.no_grad():
            out[z] = norm.inverse(net(x)[0, 0].numpy(), 0)
    return np.moveaxis(out, 0, along_axis)


def test_stride_one_3d_training_distils_a_student_after_the_teacher(records, model):
    assert [r.stage for r in records] == ["teacher"] * 4 + ["student"] * 100
    assert [r.step for r in records] == list(range(1, 105))
    assert {r.steps for r in records} == {104}
    assert model.student is not None and model.record.student_fidelity <= MAX_FIDELITY
    assert (model.student.channels, model.student.out_channels) == (3, 1)
    assert model.noise_curve is None  # the targets were the teacher's plain output
    assert model.resolve_mode() == "student" and "student 100 steps" in repr(model)


def test_auto_denoises_with_the_student_on_the_planes_and_their_neighbours(model):
    img = _stack(seed=1)
    out = model.denoise(img, "ZYX")
    np.testing.assert_array_equal(out, model.denoise(img, "ZYX", mode="student"))
    np.testing.assert_allclose(out, _by_hand(model, img), atol=1e-5, rtol=0)
    assert not np.allclose(out, model.denoise(img, "ZYX", mode="bsn"))


@pytest.mark.parametrize("kind", ["tiles", "lazy", "zarr"])
def test_the_3d_student_is_exact_in_tiles_lazily_and_streamed(model, kind, tmp_path):
    img = _stack((6, 45, 50), seed=2)
    whole = model.denoise(img, "ZYX")  # planes smaller than a CPU tile: one window each
    if kind == "tiles":
        got = model.denoise(img, "ZYX", tile=16)
    elif kind == "lazy":
        got = model.denoise(img, "ZYX", tile=16, lazy=True).compute()
    else:
        got = model.denoise(img, "ZYX", tile=16, output=tmp_path / "o.zarr")[:]
    np.testing.assert_allclose(got, whole, atol=1e-5, rtol=0)


@pytest.mark.parametrize(("shape", "axes", "extra", "channels"), [
    ((8, 48, 48), "TYX", {"along": "T"}, (3, 1)),
    ((8, 2, 40, 40), "ZCYX", {}, (3, 1)),  # independent channels: one plane of one channel
    ((8, 2, 40, 40), "ZCYX", {"channel_mode": "joint"}, (6, 2)),
])
def test_time_lapses_and_channels_get_a_3d_student(shape, axes, extra, channels):
    img = _stack(shape)
    m = napari_sdap.train(img, axes, steps=4, stride=1, **{**TINY, **extra})
    assert m.student is not None, "the case needs a kept student"
    assert (m.student.channels, m.student.out_channels) == channels
    assert m.resolve_mode() == "student"
    whole = m.denoise(img, axes)
    assert whole.shape == img.shape and np.isfinite(whole).all()
    np.testing.assert_allclose(m.denoise(img, axes, tile=16), whole, atol=1e-5, rtol=0)


def test_student_true_distils_3d_models_of_any_stride_and_auto_only_stride_one():
    cfg = config_from_preset("tiny", dims=3, stride=2, student=True)  # no longer refused
    assert wants_student(cfg)
    assert not wants_student(config_from_preset("tiny", dims=3, stride=2))
    assert wants_student(config_from_preset("tiny", dims=3, stride=1))
    recs = list(napari_sdap.iter_train(_stack(), "ZYX", steps=2, stride=2,
                                       **{**TINY, "student": True}))
    assert recs[-1].stage == "student" and recs[-1].step == 102
    assert recs[-1].model.record.student_fidelity is not None  # the teacher ran as `sdap`
    auto = list(napari_sdap.iter_train(_stack(), "ZYX", steps=2, stride=2, **TINY))
    assert {r.stage for r in auto} == {"teacher"} and auto[-1].model.resolve_mode() == "sdap"


def test_a_stopped_3d_distillation_keeps_its_student_and_training_on_redistils():
    run = napari_sdap.iter_train(_stack(), "ZYX", steps=3, stride=1, **TINY)
    m = None
    for rec in run:
        m = rec.model
        if rec.stage == "student" and rec.step - 3 == 80:
            break
    run.close()
    assert m.student is not None and m.record.student_steps == 80
    old = m.student
    napari_sdap.train(_stack(seed=3), "ZYX", steps=2, model=m)
    assert m.student is not None and m.student is not old and m.record.steps == 5


def test_a_time_budget_sets_the_step_counts_of_both_3d_stages():
    recs = list(napari_sdap.iter_train(_stack(), "ZYX", steps=100_000, stride=1,
                                       time_budget=2.0, **{**TINY, "student_steps": 100_000}))
    assert 6 <= recs[-1].model.record.steps < 100_000
    student = [r for r in recs if r.stage == "student"]
    assert 6 <= len(student) < 100_000 and student[-1].step == student[-1].steps


def test_the_3d_student_is_saved_with_its_channels_and_loads(model, tmp_path):
    path = model.save(tmp_path / "m.safetensors")
    _, meta = read_model_file(path)
    assert meta["format_version"] == "1.1"
    assert (meta["student"]["in_channels"], meta["student"]["out_channels"]) == (3, 1)
    back = napari_sdap.load_model(path)
    assert (back.student.channels, back.student.out_channels) == (3, 1)
    img = _stack(seed=4)
    np.testing.assert_array_equal(back.denoise(img, "ZYX"), model.denoise(img, "ZYX"))
    np.testing.assert_array_equal(back.denoise(img, "ZYX", mode="bsn"),
                                  model.denoise(img, "ZYX", mode="bsn"))


@pytest.mark.parametrize("damage", ["no_channels", "wrong_channels"])
def test_a_3d_student_whose_channels_do_not_fit_is_a_model_file_error(model, tmp_path, damage):
    tensors, meta = read_model_file(model.save(tmp_path / "m.safetensors"))
    meta = {k: v for k, v in meta.items() if k != "format_version"}
    if damage == "no_channels":  # read as a 2-D student: one plane in, one out
        meta["student"] = {k: meta["student"][k] for k in ("width", "dilations")}
    else:
        meta["student"]["in_channels"] = 5
    write_model_file(tmp_path / "bad.safetensors", tensors, meta)
    with pytest.raises(ModelFileError, match=r"student: \(\d, 1\) input and output channels, "
                                             r"the network settings need \(3, 1\)"):
        napari_sdap.load_model(tmp_path / "bad.safetensors")
