"""Noise correlation estimate and the stride chosen from it."""

from __future__ import annotations

import numpy as np
from synthetic import correlated_noise, smooth_image

from napari_sdap.axes import plane_view
from napari_sdap.training.noise import UNRELIABLE, choose_stride, describe_noise, estimate_noise


def _estimate(image):
    return estimate_noise([(image, plane_view(image.shape, None))])


def test_white_noise_gives_stride_one():
    img = smooth_image((128, 128)) + np.random.default_rng(0).normal(0, 0.1, (128, 128))
    est = _estimate(img.astype(np.float32))
    assert est.stride == 1 and est.mode == "bsn"
    assert abs(est.correlation_x[0]) < 0.1


def test_box_filtered_noise_gives_stride_three():
    img = smooth_image((128, 128)) + correlated_noise((128, 128), 0.1, k=3)
    est = _estimate(img)
    # a 3-px box filter correlates lag 1 by 2/3, lag 2 by 1/3, lag 3 not at all
    assert est.correlation_x[0] > 0.5 and est.correlation_y[0] > 0.5
    assert est.stride == 3 and est.mode == "sdap_e"
    assert "stride 3" in describe_noise(est)


def test_choose_stride():
    assert choose_stride([0.05, 0, 0, 0], [0.1, 0, 0, 0]) == 1
    assert choose_stride([0.5, 0.1, 0, 0], [0.1, 0, 0, 0]) == 2
    assert choose_stride([0.9, 0.8, 0.7, 0.6], [0.9] * 4) == 5


def test_tiny_image_is_taken_for_white_noise():
    """A stride of 2 on a 12 x 12 image left sub-images of 6 pixels."""
    est = _estimate(np.random.default_rng(0).normal(size=(12, 12)).astype(np.float32))
    assert est.stride == 1 and est.mode == "bsn" and "too small" in est.notes[0]


def test_a_small_textured_image_is_not_read_as_correlated_noise():
    """A 48 x 48 crop of a photograph read its texture as noise correlated over 4 pixels and
    trained at stride 4, 8.7 dB below its noisy input: a few flat blocks do not decide."""
    yy, xx = np.mgrid[:48, :48]
    texture = np.sin(xx / 1.7) * np.cos(yy / 2.3) + smooth_image((48, 48))
    img = (texture + np.random.default_rng(0).normal(0, 0.1, (48, 48))).astype(np.float32)
    est = _estimate(img)
    assert max(est.correlation_x[0], est.correlation_y[0]) > 0.3  # it still reads correlated
    assert est.stride == 1 and est.mode == "bsn" and "flat blocks" in est.notes[0]


def test_the_stride_leaves_sub_images_of_24_pixels():
    """Box noise over 3 pixels calls for stride 3; planes 56 pixels high allow 2."""
    rng = np.random.default_rng(3)
    stack = np.stack([smooth_image((56, 200), seed=k) for k in range(6)])
    stack = stack + correlated_noise(stack.shape, 0.1, seed=rng.integers(99), k=3)
    est = estimate_noise([(stack.astype(np.float32), plane_view(stack.shape, "ZYX"))])
    assert est.blocks >= 16 and est.stride == 2 and "shorter side (56 px)" in est.notes[-1]


def test_large_plane_is_sampled_in_windows():
    class Recording:
        def __init__(self, data):
            self.data, self.shape, self.dtype = data, data.shape, data.dtype
            self.reads = []

        def __getitem__(self, idx):
            out = self.data[idx]
            self.reads.append(out.size)
            return out

    arr = Recording(np.zeros((3000, 3000), np.float32))
    estimate_noise([(arr, plane_view(arr.shape, "YX"))])
    assert arr.reads and max(arr.reads) <= 512 * 512


def test_impossible_correlations_fall_back_to_stride_two():
    # a texture repeating every 6 px (the analysis' reference lag) fills the flattest blocks: its
    # correlations, referenced to lag 6, leave -1..1, and the rule must not read a stride from them
    x = np.arange(128)[None, :]
    img = 100 + 20 * np.sin(2 * np.pi * x / 6) + np.random.default_rng(0).normal(0, 1, (128, 128))
    est = _estimate(np.broadcast_to(img, (128, 128)).astype(np.float32))
    assert max(abs(v) for v in est.correlation_x + est.correlation_y) > 1.0
    assert est.stride == 2 and est.mode == "sdap_e" and est.notes == [UNRELIABLE]
    assert "unreliable" in describe_noise(est) and "stride 2" in describe_noise(est)
