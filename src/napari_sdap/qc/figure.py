"""The quality check as a matplotlib figure (no pyplot, no Qt: the CLI saves it as PNG, the
napari widget shows it in a Qt canvas)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from napari_sdap.qc.report import QCReport

__all__ = ["draw_report", "new_figure", "save_png"]


def new_figure() -> Any:
    """An empty figure sized for `draw_report` (imports matplotlib)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(11, 7.5), layout="constrained")


def draw_report(fig: Any, report: QCReport) -> Any:
    """Draw `report` into the matplotlib figure `fig` (cleared first); returns `fig`.

    Top: the removed part's autocorrelation next to the input noise's, and the removed part's
    std per output intensity next to the noise std the model measured. Bottom: crops of the
    input, output, removed part and where structure was taken out.
    """
    fig.clear()
    grid = fig.add_gridspec(2, 4)
    _correlation(fig.add_subplot(grid[0, 0:2]), report)
    _bands(fig.add_subplot(grid[0, 2:4]), report)
    crops = report.crops
    shown = (("input", "input", "gray"), ("output", "output", "gray"),
             ("residual", "removed (in - out)", "RdBu_r"),
             ("structure", "structure out", "magma"))
    for k, (key, title, cmap) in enumerate(shown):
        ax = fig.add_subplot(grid[1, k])
        data = crops.get(key)
        if data is None or data.size == 0:
            ax.set_axis_off()
            continue
        if key in ("input", "output"):
            both = np.concatenate([crops["input"].ravel(), crops["output"].ravel()])
            lo, hi = np.percentile(both, [1, 99])
            image = ax.imshow(data, cmap=cmap, vmin=lo, vmax=hi)
        elif key == "residual":
            half = float(np.percentile(np.abs(data), 99)) or 1.0
            image = ax.imshow(data, cmap=cmap, vmin=-half, vmax=half)
        else:
            image = ax.imshow(data, cmap=cmap, vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("x (pixels)")
        if k == 0:
            ax.set_ylabel("y (pixels)")
        if key != "structure":
            fig.colorbar(image, ax=ax, shrink=0.7)
    verdict = "no warnings" if report.ok else f"{len(report.flags)} warning(s): " + ", ".join(
        f.code for f in report.flags)
    fig.suptitle(f"napari-sdap quality check - {verdict}", fontsize=11)
    return fig


def _correlation(ax: Any, report: QCReport) -> None:
    lags = np.arange(1, len(report.residual_correlation_x) + 1)
    series = ((report.residual_correlation_x, "removed, X", "tab:blue", None),
              (report.residual_correlation_y, "removed, Y", "tab:cyan", None),
              (report.noise_correlation_x, "input noise, X", "tab:orange", "//"),
              (report.noise_correlation_y, "input noise, Y", "tab:red", "//"))
    width = 0.2
    for k, (values, label, colour, hatch) in enumerate(series):
        ax.bar(lags + (k - 1.5) * width, values, width, label=label, color=colour,
               hatch=hatch, alpha=0.85)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xticks(lags)
    ax.set_xlabel("lag (pixels)")
    ax.set_ylabel("normalised autocorrelation")
    ax.set_title("removed part vs input noise (0 = white)", fontsize=9)
    ax.legend(fontsize=7)


def _bands(ax: Any, report: QCReport) -> None:
    for channel in sorted({b.channel for b in report.bands}):
        mine = [b for b in report.bands if b.channel == channel]
        level = [b.level for b in mine]
        tag = f" (channel {channel})" if len(report.bands) != len(mine) else ""
        ax.plot(level, [b.residual_std for b in mine], "o-", label=f"std of removed{tag}")
        ax.plot(level, [b.residual_mean for b in mine], "s:", label=f"mean of removed{tag}")
        if all(b.noise_std is not None for b in mine):
            ax.plot(level, [b.noise_std for b in mine], "k--",
                    label=f"noise std at training{tag}")
    ax.axhline(0.0, color="gray", linewidth=0.6)
    ax.set_xlabel("output intensity (band median)")
    ax.set_ylabel("input - output")
    ax.set_title("removed part per intensity band", fontsize=9)
    ax.legend(fontsize=7)


def save_png(fig: Any, path: str | os.PathLike[str]) -> Path:
    """Write `fig` as a PNG file at `path` (the caller renames it into place)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, format="png", dpi=100)
    return Path(path)
