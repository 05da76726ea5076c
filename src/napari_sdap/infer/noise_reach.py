"""How far the noise of a model trained for correlated noise reaches: its correlation at the
training stride, read from the noisy data alone.

A blind-spot network trained at stride ``s`` sees no neighbour closer than ``s`` pixels in each
sub-image. Where the noise is still correlated at ``s`` pixels (FMD wide-field frames, camera
pipelines with demosaicing and JPEG), the network takes up part of the noise from the
neighbours it sees, its residual reads the noise low, and the detail restore's gate starts at
threshold 1.5 to make up for it (`api.noise_curve`). Where the noise is decorrelated at ``s``
(2 x 2 box-filtered noise at stride 2), the residual is not read low for that reason, and on
textured photographs the 1.5 keeps back detail: the gate starts lower there (`api.noise_curve`;
docs/benchmarks.md, "The gate's start from the noise's reach").

The correlation is read as the output blur reads the noise's covariance
(`infer.correlated.noise_covariance`: the input's variogram where the output is flattest),
here with the network's output before any restore. Texture the flattest pixels still hold
adds to it (the variogram grows with the lag), so it reads high rather than low.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from napari_sdap.infer.correlated import LAGS, counted, noise_covariance

__all__ = ["DECORRELATED", "stride_correlation"]

DECORRELATED = 0.07
"""The noise counts as decorrelated at the stride where its correlation there reads below
this. 2 x 2 box noise at stride 2 (truth 0) read -0.03 to 0.072 on 15 textured crops and 4
microscopy images; the least correlated real noise measured, FMD WideField_BPAE_G full frames
(truth 0.09-0.10), 0.10, and PolyU chair_5 at stride 3 0.09 (the lower start cost them 0.07 /
0.05 dB), so the margin is kept on the side of real noise."""


def stride_correlation(pairs: Sequence[Sequence[tuple[np.ndarray, np.ndarray]]], stride: int
                       ) -> float | None:
    """The noise's correlation at `stride` pixels, the larger of the two axes, from (input,
    network output) pairs of C x h x w windows listed per channel group; None where it cannot
    be read (too few unclipped pixels, or a stride beyond the covariance's `LAGS`)."""
    if not 1 <= stride <= LAGS:
        return None
    inputs = [(np.asarray(x, np.float32), np.asarray(mu, np.float32), g)
              for g, per in enumerate(pairs) for x, mu in per]
    cov = noise_covariance((x, mu, g, counted(x)) for x, mu, g in inputs)
    if cov is None:
        return None
    k = cov.kernel
    return float(max(k[LAGS, LAGS + stride], k[LAGS + stride, LAGS]))
