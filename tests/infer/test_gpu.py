"""CUDA-only checks (pytest -m gpu): bf16 accuracy, real out-of-memory retry, pinned pipeline,
the student's exact tiling and a whole training (teacher and student) on the GPU.

Skipped where no CUDA device is present; `benchmarks/gpu_check.sh` runs them on a GPU machine.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from infer_nets import tiny_net

from napari_sdap.axes import plane_view
from napari_sdap.infer.passes import run_flips, run_mode
from napari_sdap.infer.stream import auto_tile, iter_tiles
from napari_sdap.model.network import BlindSpotNet
from napari_sdap.model.normalize import Normalization
from napari_sdap.model.student import StudentNet

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]
NORM = Normalization(low=[0.0], high=[1.0])


@pytest.fixture(scope="module")
def net():
    return tiny_net(1)



def _img(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def test_bf16_tiled_output_close_to_fp32_cpu(net):
    cuda = torch.device("cuda")
    img = _img((2, 300, 260))
    view = plane_view(img.shape, "ZYX")
    out = np.zeros_like(img)
    steps = list(iter_tiles(net, NORM, img, view, out, mode="sdap_e", pd_stride=2, device=cuda,
                            tile=128, batch=4, read_workers=2))
    assert steps[-1].done == steps[-1].total
    ref = run_mode(net.cpu().float(), torch.from_numpy(img[:, None]), "sdap_e", 2)[:, 0].numpy()
    err = np.abs(out - ref)  # bf16 keeps ~3 significant digits; input range is [0, 1]
    assert err.mean() < 0.05 * ref.std() and err.max() < 0.03


@pytest.mark.parametrize("flips", [1, 8])
def test_fp32_on_cuda_tiles_match_whole_plane(net, monkeypatch, flips):
    import napari_sdap.infer.stream as stream

    monkeypatch.setattr(stream, "use_bf16", lambda device: False)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    img = _img((97, 131), 1)
    out = np.zeros_like(img)
    list(iter_tiles(net, NORM, img, plane_view(img.shape, "YX"), out, mode="sdap_e",
                    pd_stride=2, device=torch.device("cuda"), tile=32, batch=3, flips=flips))
    ref = run_flips(net.cpu(), torch.from_numpy(img)[None, None], "sdap_e", 2,
                    flips=flips)[0, 0].numpy()
    np.testing.assert_allclose(out, ref, atol=1e-4)


@pytest.mark.parametrize("axis", ["X", "Y"])
def test_whitened_tiles_on_cuda_match_the_whole_plane_on_the_cpu(net, monkeypatch, axis):
    import napari_sdap.infer.stream as stream
    from napari_sdap.infer.whiten import Whitening

    monkeypatch.setattr(stream, "use_bf16", lambda device: False)
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    img = _img((2, 150, 170), 2)
    out = np.zeros_like(img)
    w = Whitening(axis, 0.55)
    list(iter_tiles(net, NORM, img, plane_view(img.shape, "ZYX"), out, mode="bsn",
                    pd_stride=2, device=torch.device("cuda"), tile=48, batch=3, whiten=w))
    x = w.whiten(torch.from_numpy(img[:, None]))
    ref = w.colour(run_mode(net.cpu(), x, "bsn", 2))[:, 0].numpy()
    np.testing.assert_allclose(out, ref, atol=1e-4)


def test_real_out_of_memory_halves_the_tile():
    cuda = torch.device("cuda", torch.cuda.current_device())  # the memory cap needs an index
    net = BlindSpotNet(1, 1, width=128, blocks=9).eval()
    total = torch.cuda.get_device_properties(cuda).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(min(1.0, 0.8e9 / total), cuda)
    try:
        img = _img((2048, 2048), 2)
        out = np.zeros_like(img)
        steps = list(iter_tiles(net, NORM, img, plane_view(img.shape, "YX"), out,
                                mode="sdap_e", pd_stride=2, device=cuda, tile=2048, batch=1))
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, cuda)
        torch.cuda.empty_cache()
    assert steps[-1].tile < 2048 and "ran out of memory" in steps[-1].warning
    assert steps[-1].done == steps[-1].total and np.isfinite(out).all() and out.std() > 0


def test_auto_tile_uses_device_memory():
    edge = auto_tile(torch.device("cuda"), 128, 87, 4)
    assert 128 <= edge <= 4096 and edge % 64 == 0


def _student() -> StudentNet:
    torch.manual_seed(0)
    return StudentNet(1, 8, (1, 2, 1)).eval()


def test_student_fp32_on_cuda_tiles_match_whole_plane(monkeypatch):
    import napari_sdap.infer.stream as stream

    monkeypatch.setattr(stream, "use_bf16", lambda device: False)
    torch.backends.cudnn.allow_tf32 = False
    student = _student()
    img = _img((97, 131), 3)
    out = np.zeros_like(img)
    list(iter_tiles(student, NORM, img, plane_view(img.shape, "YX"), out, mode="student",
                    pd_stride=2, device=torch.device("cuda"), tile=32, batch=3))
    ref = run_mode(student.cpu(), torch.from_numpy(img)[None, None], "student")[0, 0].numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_student_bf16_close_to_fp32_cpu():
    student = _student()
    img = _img((2, 300, 260), 4)
    out = np.zeros_like(img)
    list(iter_tiles(student, NORM, img, plane_view(img.shape, "ZYX"), out, mode="student",
                    pd_stride=2, device=torch.device("cuda"), tile=128, batch=4))
    ref = run_mode(student.cpu().float(), torch.from_numpy(img[:, None]), "student")[:, 0]
    err = np.abs(out - ref.numpy())
    assert err.mean() < 0.05 * float(ref.std()) and err.max() < 0.03


def test_training_on_cuda_checks_its_student_and_denoises(caplog):
    import napari_sdap

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:192, :192]
    clean = (0.5 + 0.3 * np.sin(xx / 9.0) * np.cos(yy / 13.0)).astype(np.float32)
    noisy = clean + 0.1 * rng.standard_normal(clean.shape).astype(np.float32)
    model = napari_sdap.train(noisy, "YX", preset="tiny", device="cuda", student=True,
                              student_steps=200)
    assert "bfloat16" in (model.record.precision or "")
    assert "could not compare" not in caplog.text  # the held-out comparison ran on the GPU
    assert model.record.student_check is not None
    out = model.denoise(noisy, "YX", device="cuda")
    assert np.mean((out - clean) ** 2) < 0.5 * np.mean((noisy - clean) ** 2)


class _SlowOutput:
    """An output whose writes take a while, so the main loop queues batches ahead of them."""

    def __init__(self, shape):
        self.data = np.zeros(shape, np.float32)
        self.shape, self.dtype = shape, self.data.dtype

    def __setitem__(self, key, value):
        import time

        time.sleep(0.02)
        self.data[key] = value


def test_batches_queued_ahead_of_slow_writes_are_written_exactly(monkeypatch):
    """On a GPU the main loop queues each batch and goes on; writer threads wait for the
    results. With writes slower than the network, the output still equals the CPU's."""
    import napari_sdap.infer.stream as stream

    monkeypatch.setattr(stream, "use_bf16", lambda device: False)
    torch.backends.cudnn.allow_tf32 = False
    student = _student()
    img = (np.random.default_rng(6).random((3, 160, 150)) * 4000).astype(np.uint16)
    norm = Normalization(low=[0.0], high=[4000.0])
    view = plane_view(img.shape, "ZYX")
    out = _SlowOutput(img.shape)
    steps = list(iter_tiles(student, norm, img, view, out, mode="student", pd_stride=2,
                            device=torch.device("cuda"), tile=32, batch=2, write_workers=4))
    assert steps[-1].done == steps[-1].total == 3 * 5 * 5
    ref = np.zeros(img.shape, np.float32)
    list(iter_tiles(student.cpu(), norm, img, view, ref, mode="student", pd_stride=2,
                    device=torch.device("cpu"), tile=32))
    np.testing.assert_allclose(out.data, ref, rtol=0, atol=4000 * 2e-5)
