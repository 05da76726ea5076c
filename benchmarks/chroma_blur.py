"""A blur of the colour (opponent) components alone of the default RGB output of models trained
for correlated noise: the oracle and Stein's estimate, against the truth.

Camera noise after demosaicing lives mostly in the colour differences (phone-camera proxies), or
mostly in the brightness where JPEG subsampled the colour (PolyU). For each RGB task this
trains the default (`fast`; with ``--models DIR`` the trained models are kept there and
reused, their noise curve and output blur measured again as shipped), turns the output into
orthonormal opponent components (brightness ``R + G + B``, ``R - B``, ``R - 2G + B``, each
normalised) and prints:

- the PSNR of the default output, of it with the two colour components blurred by each sigma,
  and with the brightness alone blurred by 0.7 and 1 px (oracles: the reference decides);
- on the windows the output blur's estimate reads (`api.output_blur`, output without its own
  blur): the noise variance of each component read as the shipped reading reads it
  (`noise_covariance`, per opponent component) over the one the true noise ``x - reference``
  gives, the true noise's share per component, and per sigma the change of the mean squared
  error of the colour components that Stein's estimate for correlated noise gives, against
  the true change, in units of the mean noise variance per component (positive: the blur
  gains). The estimate's probes are drawn independently per component with the spatial
  covariance read, and a per-pixel variance: ``flat``, each component's variance read where
  the output is flat, everywhere; ``shaped``, the RGB noise curve's shape at the output with
  the RGB noise covariance at lag 0 (`rgb_covariance`), turned into the components.

    python benchmarks/chroma_blur.py --sets camera --crop 256 --models MODELS
"""

from __future__ import annotations

import numpy as np
from quality import psnr

SIGMAS = (0.7, 1.0, 1.5, 2.0, 3.0)
OPPONENT = np.array([[1, 1, 1], [1, 0, -1], [1, -2, 1]], np.float64)
OPPONENT /= np.linalg.norm(OPPONENT, axis=1, keepdims=True)
_EPS = 1e-3


def to_opponent(a: np.ndarray, axis: int) -> np.ndarray:
    """RGB along `axis` to the orthonormal opponent components (and back with `from_opponent`)."""
    return np.moveaxis(np.tensordot(OPPONENT, np.moveaxis(a, axis, 0), axes=1), 0, axis)


def from_opponent(a: np.ndarray, axis: int) -> np.ndarray:
    return np.moveaxis(np.tensordot(OPPONENT.T, np.moveaxis(a, axis, 0), axes=1), 0, axis)


def oracle(model, task) -> list[str]:
    """PSNR of the default output and of its components blurred (YXC images)."""
    from scipy.ndimage import gaussian_filter

    x, ref = task.noisy[0], task.clean[0]
    out = model.denoise(x, "YXC", device="cpu")
    o = to_opponent(out.astype(np.float64), -1)
    row = [f"default {psnr(out, ref):.2f}"]
    for parts, sigmas, label in (((1, 2), SIGMAS, "colour"), ((0,), (0.7, 1.0), "brightness")):
        for s in sigmas:
            b = o.copy()
            for c in parts:
                b[..., c] = gaussian_filter(o[..., c], s, mode="reflect")
            row.append(f"{label} {s:g}: {psnr(from_opponent(b, -1), ref):.2f}")
    return row


def estimate(model, task) -> list[str]:
    """The colour blur's estimated (both readings) and true change on the output blur's
    windows."""
    from blur_reading import estimate_windows

    import napari_sdap.infer.correlated as cor

    run, _, _, _, seen = estimate_windows(model, task, "YXC")
    opp = [(to_opponent(x, 0).astype(np.float32), to_opponent(f, 0), g,
            np.repeat(ok.all(0, keepdims=True), 3, 0), to_opponent(r, 0), x, f)
           for x, f, g, ok, r in seen]
    cov = cor.noise_covariance([(x, f, g, ok) for x, f, g, ok, *_ in opp], None)
    true = cor.noise_covariance([(x - r, f, g, ok) for x, f, g, ok, r, *_ in opp], None,
                                flat=1.0, cap=np.inf)
    if cov is None or true is None:
        return ["noise not read"]
    curve = model.noise_curve
    factor, corr = rgb_covariance(seen, curve)

    def flat(g, fr):  # each component's variance read where the output is flat, everywhere
        return np.broadcast_to(np.array([cov.sill[(g, c)] for c in range(3)])[:, None, None],
                               fr.shape)

    def shaped(g, fr):  # the RGB curve's shape, the RGB covariance, into the components
        sd = np.sqrt(np.stack([cor.curve_at(fr[k], curve, g, k) * factor[k] for k in range(3)]))
        return np.einsum("ck,cl,kl,khw,lhw->chw", OPPONENT, OPPONENT, corr, sd, sd)

    got = {s: [] for s in SIGMAS}
    for _, f, _, _, r, _, _ in opp:
        for s in SIGMAS:
            bf = _blur(f, s)
            got[s].append((((bf - r) ** 2 - (f - r) ** 2)[_CUT]).ravel())
    total = sum(true.sill[(0, c)] for c in range(3))
    row = ["read / true variance " + " / ".join(
               f"{cov.sill[(0, c)] / true.sill[(0, c)]:.2f}" for c in range(3)),
           "true share " + " / ".join(f"{true.sill[(0, c)] / total:.2f}" for c in range(3))]
    unit = float(np.mean([cov.sill[(g, c)] for _, _, g, *_ in opp for c in range(3)]))
    est = {name: stein(run, opp, var, cov.kernel) for name, var in (("flat", flat),
                                                                    ("shaped", shaped))}
    row += [f"{s:g}: flat {-est['flat'][s] / unit:+.3f}, shaped {-est['shaped'][s] / unit:+.3f}, "
            f"true {-np.concatenate(got[s]).mean() / unit:+.3f}" for s in SIGMAS]
    return row


_CUT = (slice(1, 3), slice(8, -8), slice(8, -8))
"""The colour components, clear of the blur's edge."""


def _blur(f: np.ndarray, s: float) -> np.ndarray:
    from napari_sdap.infer.smoothing import blur

    return blur(f.astype(np.float32), s).astype(np.float64)


def stein(run, opp, var, kernel) -> dict[float, float]:
    """Per sigma: Stein's estimate of the change of the colour components' mean squared error,
    probes drawn independently per component with the spatial `kernel` and the per-pixel
    variance ``var(group, rgb output)``."""
    import napari_sdap.infer.correlated as cor

    rng = np.random.default_rng(0)
    est = {s: [] for s in SIGMAS}
    for x, f, g, _, _, xr, fr in opp:
        sd = np.sqrt(np.clip(var(g, fr), 0.0, None)).astype(np.float32)
        own, cross = np.zeros(x.shape), {s: np.zeros(x.shape) for s in SIGMAS}
        for _ in range(cor.PROBES):
            b = cor.correlated_probe(rng, x.shape, kernel) * sd
            moved = run(xr + np.float32(_EPS) * from_opponent(b, 0).astype(np.float32), g)[1]
            u = to_opponent((moved.astype(np.float64) - fr) / _EPS, 0)
            own += b * u / cor.PROBES
            for s in SIGMAS:
                cross[s] += b * _blur(u, s) / cor.PROBES
        for s in SIGMAS:
            est[s].append((((_blur(f, s) - x) ** 2 - (f - x) ** 2
                            + 2 * (cross[s] - own))[_CUT]).ravel())
    return {s: float(np.concatenate(v).mean()) for s, v in est.items()}


def rgb_covariance(seen, curve) -> tuple[np.ndarray, np.ndarray]:
    """(per RGB channel: the noise variance over the curve's, the 3 x 3 noise correlation)
    at lag 0, from half the products of differences 4-5 pixels apart (where this noise no
    longer correlates) on the quarter of the pixels where the output, blurred by 2 px, is
    flattest."""
    import torch

    import napari_sdap.infer.correlated as cor
    from napari_sdap.infer.curve import roughness
    from napari_sdap.infer.gaussian import gaussian

    acc, count, shape = np.zeros((3, 3)), 0, np.zeros(3)
    for x, f, g, _, _ in seen:
        calm = gaussian(torch.from_numpy(np.ascontiguousarray(f, np.float32))[None], 2.0)
        rough = roughness(calm[0]).numpy().mean(0)
        use = rough <= np.quantile(rough, 0.25)
        h, w = use.shape
        for dy, dx in ((0, 4), (4, 0), (0, 5), (5, 0), (4, 4), (5, 5)):
            both = use[: h - dy, : w - dx] & use[dy:, dx:]
            d = (x[:, : h - dy, : w - dx] - x[:, dy:, dx:])[:, both].astype(np.float64)
            acc += d @ d.T / 2.0
            count += d.shape[1]
        shape += [cor.curve_at(f[k], curve, g, k)[use].mean() / len(seen) for k in range(3)]
    c = acc / max(count, 1)
    sd = np.sqrt(np.diag(c))
    return np.diag(c) / shape, c / np.outer(sd, sd)


def shipped(model, task) -> None:
    """The noise curve and output blur measured again as a training ends (a kept model may hold
    a curve from another version)."""
    import torch

    from napari_sdap.api.inputs import prepare_all
    from napari_sdap.api.noise_curve import measure_noise_curve
    from napari_sdap.api.output_blur import output_blur

    cpu = torch.device("cpu")
    sources = [(q.array, q.view) for q in prepare_all(list(task.noisy), "YXC")]
    model.noise_curve = measure_noise_curve(model, sources, cpu)[0]
    output_blur(model, sources, cpu)


def main() -> int:
    from blur_reading import correlated_models

    for task, name, _axes, model in correlated_models(__doc__.split("\n")[0], sets="camera",
                                                      crop=256):
        if not task.rgb:
            print(f"{name}: not RGB, skipped", flush=True)
            continue
        shipped(model, task)
        print(" | ".join([name, *oracle(model, task)]), flush=True)
        print(" | ".join([name, *estimate(model, task)]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
