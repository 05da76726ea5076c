"""The record of a noise reading (`NoiseEstimate`), its one-line description and the check of
a model file's copy of it; the thresholds its properties name. The reading itself is
`training.noise.estimate_noise`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from napari_sdap.training.noise_texture import reads_white

__all__ = ["ONE_VALUE", "UNRELIABLE", "WHITE_THRESHOLD", "NoiseEstimate", "check_noise_record",
           "describe_noise"]

UNRELIABLE = ("the noise analysis is unreliable here (a correlation outside -1..1: the flattest "
              "blocks hold more detail than noise); using the safe default stride 2")
"""The note of an estimate whose correlations are impossible. On camera photographs with weak
noise (5 of the 100 PolyU images) the readings reached -2.6 and 4.0 and chose stride 1, 3, 4 or
5; stride 2 scored 0.18 dB more on average (docs/benchmarks.md, "Correlated-noise students and
impossible noise readings")."""
ONE_VALUE = "no noise to read: the flattest quarter of the image's 16 x 16 blocks is one value"
"""The start of the note of an estimate that read blocks but found no noise in the flattest
quarter of them (a mosaic's 0 fill at the level of dim data; `unmeasured`)."""
WHITE_THRESHOLD = 0.3
"""Lag-1 correlation below which the noise counts as white (stride 1). Higher than
`CORRELATION_THRESHOLD` because leaving the plain blind-spot costs resolution everywhere, while
a weak neighbour correlation leaks little noise (FMD confocal lines reach ~0.2 along X)."""


@dataclass(frozen=True)
class NoiseEstimate:
    """Measured noise correlation and the settings chosen from it."""

    correlation_x: list[float]
    """Normalised noise autocorrelation at lags 1..4 along X."""
    correlation_y: list[float]
    """The same along Y."""
    stride: int
    """Recommended RSG training stride (1 = white noise: plain blind-spot)."""
    mode: str
    """Recommended inference mode."""
    blocks: int = 0
    """Flat blocks the estimate is based on."""
    notes: list[str] = field(default_factory=list)
    skew: float | None = None
    """Median skewness of the noise in the flattest blocks clear of a clip (None: not
    measured, as in records written before it was)."""
    dark_clip: bool = False
    """A channel of the sampled windows has its dark background cut off at 0 (`DARK_CLIP` of
    its pixels or more at its lowest value), as in 8-bit low-light frames."""
    counts: bool = False
    """The images hold raw photon counts (`noise_skew.photon_counts`)."""
    loss: Literal["l1", "l2"] = "l1"
    """Training loss: the one `choose_loss` recommends, or in a model's record the one it was
    trained with."""
    whitened: Literal["X", "Y"] | None = None
    """The axis along which the noise was whitened (`infer.whiten`): correlated along it
    alone, the model trained at stride 1 on the whitened image; None: not whitened."""
    flattest: list[float] | None = None
    """Lag-1 autocorrelation along X and Y over the flattest sixteenth of the blocks
    (`FLATTEST`); None where there were too few blocks (or in records written before)."""
    flattest_lag2: list[float] | None = None
    """The same at lag 2 (None as for `flattest`): with it, the whitening rule reads the
    correlation across the axis where texture adds least (`infer.whiten.choose_whitening`)."""
    texture: bool = False
    """The flattest sixteenth reads white where the quarter reads correlated: the correlation
    is texture, and the noise counts as white (stride 1; `texture_read`)."""

    @property
    def sixteenth(self) -> tuple[list[float], list[float]] | None:
        """Lags 1 and 2 along X and along Y over the flattest sixteenth of the blocks (None
        where not read, or in records written before lag 2 was kept)."""
        if self.flattest is None or self.flattest_lag2 is None:
            return None
        return ([self.flattest[0], self.flattest_lag2[0]],
                [self.flattest[1], self.flattest_lag2[1]])

    @property
    def flat_white(self) -> bool:
        """The flattest sixteenth of the blocks reads white at lag 1 (`reads_white`): no
        correlation the rest reads is the noise's, so none is whitened either."""
        return reads_white(self.flattest, WHITE_THRESHOLD)

    @property
    def unmeasured(self) -> bool:
        """The noise could not be read: its settings are assumed, as the notes say."""
        return any(n == UNRELIABLE or n.startswith(("image too small", ONE_VALUE))
                   for n in self.notes)

    @property
    def one_value(self) -> bool:
        """The noise could not be read because the flattest quarter of the blocks was one
        value throughout (`ONE_VALUE`: a fill or a clipped background, not a small image)."""
        return any(n.startswith(ONE_VALUE) for n in self.notes)

    def summary(self) -> str:
        fx = ", ".join(f"{v:.2f}" for v in self.correlation_x)
        fy = ", ".join(f"{v:.2f}" for v in self.correlation_y)
        kind = "white" if self.stride == 1 else f"correlated over ~{self.stride - 1} px"
        if self.whitened:
            kind = f"correlated along {self.whitened} only (whitened along it)"
        if self.texture and self.flattest:
            kind = (f"white (the flattest blocks read {max(self.flattest):.2f} at lag 1; "
                    f"the correlation of the others is texture)")
        if self.unmeasured:
            kind = "unmeasurable"  # (the notes of a small image or plane say what was assumed)
        notes = "".join(f"; {n}" for n in self.notes)
        skew = "" if self.skew is None else f"; skewness {self.skew:+.2f}"
        skew += ("; photon counts with many zeros" if self.counts and self.dark_clip
                 else "; dark background clipped" if self.dark_clip else "")
        loss = "" if self.loss == "l1" else f", loss {self.loss}"
        return (f"noise looks {kind} (autocorrelation X: {fx}; Y: {fy}; {self.blocks} flat blocks"
                f"{skew}) -> stride {self.stride}, mode {self.mode}{loss}{notes}")


def describe_noise(noise: dict[str, Any] | NoiseEstimate | None) -> str:
    """One line for users: what the noise looked like and what was chosen (from a model record)."""
    if noise is None:
        return "noise not analysed (stride set by hand or training continued)"
    if isinstance(noise, dict):
        noise = NoiseEstimate(**noise)
    return noise.summary()


def check_noise_record(noise: dict[str, Any]) -> dict[str, Any]:
    """A training record's `noise` (a `NoiseEstimate` as a dict), checked field by field."""
    from dataclasses import asdict, fields

    from pydantic import TypeAdapter, ValidationError

    unknown = sorted(str(k) for k in noise if k not in {f.name for f in fields(NoiseEstimate)})
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    try:
        return asdict(TypeAdapter(NoiseEstimate).validate_python(noise))
    except ValidationError as err:
        first = err.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
