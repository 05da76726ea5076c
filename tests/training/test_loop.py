"""The cyclic sampling-difference loss and the training generator."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from napari_sdap.api import create_model, iter_train, train
from napari_sdap.config import TrainingConfig
from napari_sdap.model.sampling import rsg_subsample
from napari_sdap.training.loop import cyclic_loss, learning_rate

TINY = {"preset": "tiny", "width": 8, "blocks": 1, "batch_size": 2, "patch_size": 16}


@pytest.mark.parametrize(("loss", "stride"), [("l1", 2), ("l2", 2), ("l1", 3), ("l1", 1)])
def test_cyclic_loss_is_sum_over_pairs_of_next_sub_image(loss, stride):
    net = nn.Conv2d(1, 1, 3, padding=1)
    batch = torch.randn(2, 1, 6 * stride, 6 * stride)
    got = cyclic_loss(net, batch, stride, loss, torch.Generator().manual_seed(5))
    subs = rsg_subsample(batch, stride, torch.Generator().manual_seed(5))
    k = stride * stride
    want = 0.0
    for j in range(k):
        d = net(subs[j]) - subs[(j + 1) % k]
        want = want + (d.abs().mean() if loss == "l1" else d.square().mean())
    torch.testing.assert_close(got, want)


def test_learning_rate_warmup_then_cosine():
    cfg = TrainingConfig(learning_rate=1e-3, warmup_steps=10)
    assert learning_rate(cfg, 0, 100) == pytest.approx(1e-4)
    assert learning_rate(cfg, 10, 100) == pytest.approx(1e-3)
    assert learning_rate(cfg, 99, 100) == pytest.approx(2e-5, rel=0.05)
    const = TrainingConfig(learning_rate=1e-3, warmup_steps=0, lr_schedule="constant")
    assert learning_rate(const, 77, 100) == 1e-3


def test_records_per_step(noisy_pair):
    _, noisy = noisy_pair
    records = list(iter_train(noisy, steps=4, stride=2, student=False, **TINY))
    assert [r.step for r in records] == [1, 2, 3, 4]
    assert all(r.steps == 4 for r in records)
    for r in records:
        assert np.isfinite(r.loss) and r.lr > 0 and r.steps_per_s > 0 and r.eta_s >= 0
        assert r.model is records[0].model
    assert records[-1].eta_s == 0
    model = records[-1].model
    assert model.record.steps == 4 and model.record.final_loss == records[-1].loss
    assert len(model.record.losses) == 4


def test_stop_between_steps_leaves_usable_model(noisy_pair, tmp_path):
    _, noisy = noisy_pair
    before = None
    for rec in iter_train(noisy, steps=50, stride=2, **TINY):
        if before is None:
            before = {k: v.clone() for k, v in rec.model.network.state_dict().items()}
        if rec.step == 3:
            break
    model = rec.model
    assert model.record.steps == 3
    assert any(not torch.equal(before[k], v) for k, v in model.network.state_dict().items())
    out = model.denoise(noisy)
    assert out.shape == noisy.shape and np.isfinite(out).all()
    model.save(tmp_path / "stopped.safetensors")
    # training continues from the stopped model and counts on
    again = train(noisy, model=model, steps=2)
    assert again is model and model.record.steps == 5


def _weights(model):
    return {k: v.clone() for k, v in model.network.state_dict().items()}


def test_same_seed_gives_bitwise_identical_weights(noisy_pair):
    _, noisy = noisy_pair
    a = _weights(train(noisy, steps=3, seed=11, device="cpu", **TINY))
    b = _weights(train(noisy, steps=3, seed=11, device="cpu", **TINY))
    c = _weights(train(noisy, steps=3, seed=12, device="cpu", **TINY))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_training_changes_the_same_model_in_place(noisy_pair):
    _, noisy = noisy_pair
    model = create_model("tiny", 1, width=8, blocks=1)
    with pytest.raises(Exception, match="untrained"):
        model.denoise(noisy)
    trained = train(noisy, model=model, steps=1)
    assert trained is model


def test_precision_auto_follows_what_the_device_computes_natively(monkeypatch):
    import napari_sdap.model.device as device

    cpu = torch.device("cpu")
    for native in (True, False):
        monkeypatch.setattr(device, "native_bf16", lambda d, n=native: n)
        assert device.train_bf16(cpu, "auto") is native
        assert device.train_bf16(cpu, "float32") is False
        assert device.train_bf16(cpu, "bfloat16") is True
    assert device.train_bf16(torch.device("mps"), "bfloat16") is False  # float32 on MPS
    with pytest.raises(Exception, match="precision"):
        TrainingConfig(precision="float16")


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_teacher_and_student_steps_run_in_the_chosen_precision(noisy_pair, precision,
                                                               monkeypatch):
    """The training steps' forward passes give bf16 outputs under autocast, none otherwise;
    the weights stay float32 either way."""
    from napari_sdap.model.network import BlindSpotNet
    from napari_sdap.model.student import StudentNet

    seen: dict[str, set] = {"BlindSpotNet": set(), "StudentNet": set()}
    for cls in (BlindSpotNet, StudentNet):
        def spy(self, x, real=cls.forward, name=cls.__name__):
            out = real(self, x)
            if self.training:
                seen[name].add(out.dtype)
            return out

        monkeypatch.setattr(cls, "forward", spy)
    _, noisy = noisy_pair
    model = train(noisy, steps=3, stride=1, precision=precision, student=True,
                  student_check=False, student_steps=3, **TINY)
    bf16 = precision == "bfloat16"  # (a few float32 passes, e.g. the student's start, remain)
    assert all((torch.bfloat16 in dtypes) is bf16 for dtypes in seen.values()), seen
    assert model.record.precision == precision  # recorded (and shown by `napari-sdap info`)
    assert all(p.dtype == torch.float32 for p in model.network.parameters())


def test_a_bf16_step_that_gives_nan_is_redone_in_float32(noisy_pair, monkeypatch, caplog):
    import napari_sdap.training.distil as distil
    import napari_sdap.training.loop as loop

    calls = {"teacher": [], "student": []}
    real_cyclic, real_student = loop.cyclic_loss, distil._loss

    def cyclic(net, batch, stride, loss, gen, bf16=False):  # the second step fails in bf16
        calls["teacher"].append(bf16)
        out = real_cyclic(net, batch, stride, loss, gen, bf16)
        return out * float("nan") if bf16 and len(calls["teacher"]) == 2 else out

    def student(net, x, t, bf16, weigh=None):
        calls["student"].append(bf16)
        out = real_student(net, x, t, bf16, weigh)
        return out * float("nan") if bf16 else out

    monkeypatch.setattr(loop, "cyclic_loss", cyclic)
    monkeypatch.setattr(distil, "_loss", student)
    _, noisy = noisy_pair
    model = train(noisy, steps=3, stride=1, precision="bfloat16", student=True,
                  student_check=False, student_steps=3, **TINY)
    assert calls == {"teacher": [True, True, False, False],
                     "student": [True, False, False, False]}
    assert np.isfinite(model.record.losses).all() and "goes on in float32" in caplog.text
    assert model.record.precision == "bfloat16, then float32"
    recs = list(iter_train(noisy, model=model, steps=2, student=False, precision="float32"))
    assert [r.precision for r in recs] == ["float32", "float32"]
    assert model.record.precision == "float32"  # each training call notes its own steps
    assert all(torch.isfinite(p).all() for p in model.network.parameters())
