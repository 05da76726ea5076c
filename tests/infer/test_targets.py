"""The student's targets: the teacher on tiles covering the training planes, exactly."""

from __future__ import annotations

import numpy as np

from napari_sdap.axes import plane_view
from napari_sdap.infer.targets import TARGET_EDGE, teacher_targets
from napari_sdap.infer.tiling import Tile


def _read(image):
    def read(k: int, tile: Tile) -> np.ndarray:
        return image[tile.plane][None, tile.wy, tile.wx].astype(np.float32)
    return read


def _mosaic(pairs, shape, which):
    out = np.full(shape, np.nan, np.float32)
    y = x = 0
    for pair in pairs:  # tiles come row by row
        a = pair[which][0]
        out[y:y + a.shape[0], x:x + a.shape[1]] = a
        x += a.shape[1]
        if x >= shape[1]:
            x, y = 0, y + a.shape[0]
    return out


def test_targets_cover_a_plane_and_equal_the_whole_plane_result():
    image = np.random.default_rng(0).random((1, 300, 280)).astype(np.float32)
    box = np.ones(5) / 5

    def run(w, group):  # a local "teacher": 5-tap horizontal mean, exact with halo 2
        y = np.apply_along_axis(lambda r: np.convolve(r, box, mode="same"), 2, w)
        return w, y.astype(np.float32)

    pairs = teacher_targets(run, _read(image), [plane_view(image.shape, "ZYX")], halo=2, s=1,
                            pixels=10**7)
    assert len(pairs) == 4 and max(p[0].shape[1] for p in pairs) == TARGET_EDGE
    np.testing.assert_array_equal(_mosaic(pairs, image.shape[1:], 0), image[0])
    whole = run(image, 0)[1][0]
    inner = (slice(None), slice(2, -2))  # the whole-plane result is exact away from the edges
    np.testing.assert_allclose(_mosaic(pairs, image.shape[1:], 1)[inner], whole[inner],
                               atol=1e-6)


def test_the_teacher_averages_over_flips():
    import torch
    from infer_nets import tiny_net

    from napari_sdap.infer.passes import run_flips
    from napari_sdap.infer.targets import teacher

    net, cpu = tiny_net(1), torch.device("cpu")
    window = np.random.default_rng(1).random((1, 40, 52)).astype(np.float32)
    x, y = teacher(net, cpu, "sdap_e", 2, None, flips=4)(window, 0)
    np.testing.assert_array_equal(x, window)  # the input stays the plain window
    want = run_flips(net, torch.from_numpy(window)[None], "sdap_e", 2, flips=4)[0].numpy()
    np.testing.assert_allclose(y, want, atol=1e-6)
    assert np.abs(y - teacher(net, cpu, "sdap_e", 2, None)(window, 0)[1]).max() > 1e-3


def test_pixel_budget_stops_early_on_a_large_stack():
    image = np.zeros((20, 64, 64), np.float32)
    image += np.arange(20, dtype=np.float32)[:, None, None]
    pairs = teacher_targets(lambda w, g: (w, w), _read(image),
                            [plane_view(image.shape, "ZYX")], 0, 1, pixels=3 * 64 * 64)
    assert len(pairs) == 3 and len({float(p[0].mean()) for p in pairs}) == 3


def test_held_out_pixels_get_no_target_and_the_input_stays_whole():
    from napari_sdap.infer.risk import held_out

    image = np.random.default_rng(1).random((2, 70, 90)).astype(np.float32)
    pairs = teacher_targets(lambda w, g: (w, w), _read(image), [plane_view(image.shape, "ZYX")],
                            0, 1, pixels=10**6, hold=lambda k, t: held_out(k, t.plane, t.ys, t.xs))
    assert len(pairs) == 2 and all(np.isfinite(p[0]).all() for p in pairs)
    for x, target in pairs:
        n = next(n for n in range(2) if np.array_equal(x[0], image[n]))
        want = held_out(0, n, slice(0, 70), slice(0, 90))
        np.testing.assert_array_equal(np.isnan(target[0]), want)
        np.testing.assert_array_equal(target[0][~want], image[n][~want])
        assert 0.08 < want.mean() < 0.17
