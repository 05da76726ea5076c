"""A small live loss plot drawn with QPainter (no plotting library needed)."""

from __future__ import annotations

import math

from qtpy.QtCore import QPointF
from qtpy.QtGui import QColor, QPainter, QPainterPath, QPen
from qtpy.QtWidgets import QSizePolicy, QWidget

__all__ = ["LossPlot"]


class LossPlot(QWidget):
    """Training loss per step (thin) and its running mean (thick); log scale when it spans >10x."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.losses: list[float] = []
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("Training loss (cyclic sampling-difference loss). It levels off but does "
                        "not go to zero: the target is itself noisy.")

    def set_losses(self, losses: list[float]) -> None:
        self.losses = [v for v in losses if math.isfinite(v)]
        self.update()

    def append(self, loss: float) -> None:
        if math.isfinite(loss):
            self.losses.append(loss)
            self.update()

    def smoothed(self) -> list[float]:
        """Exponential running mean of the losses."""
        out, m = [], None
        alpha = 2 / (1 + max(5, len(self.losses) // 20))
        for v in self.losses:
            m = v if m is None else (1 - alpha) * m + alpha * v
            out.append(m)
        return out

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, QColor(30, 33, 40))
        p.setPen(QColor(170, 170, 170))
        if len(self.losses) < 2:
            p.drawText(8, h // 2, "loss plot: starts with training")
            p.end()
            return
        vals = self.losses
        lo, hi = min(vals), max(vals)
        log = lo > 0 and hi / lo > 10
        f = (lambda v: math.log10(v)) if log else (lambda v: v)
        flo, fhi = f(lo), f(hi)
        span = (fhi - flo) or 1.0
        left, top, right, bottom = 44, 8, w - 8, h - 18
        n = len(vals)

        def pt(i: int, v: float) -> QPointF:
            x = left + (right - left) * i / max(1, n - 1)
            y = bottom - (bottom - top) * (f(v) - flo) / span
            return QPointF(x, y)

        for series, colour, width in ((vals, QColor(90, 140, 200), 1.0),
                                      (self.smoothed(), QColor(255, 190, 70), 2.0)):
            path = QPainterPath(pt(0, series[0]))
            stepi = max(1, n // max(1, right - left))  # at most ~1 point per pixel
            for i in range(stepi, n, stepi):
                path.lineTo(pt(i, series[i]))
            path.lineTo(pt(n - 1, series[-1]))
            p.setPen(QPen(colour, width))
            p.drawPath(path)
        p.setPen(QColor(170, 170, 170))
        p.drawText(2, top + 10, f"{hi:.3g}")
        p.drawText(2, bottom, f"{lo:.3g}")
        p.drawText(left, h - 4, f"step {n}   loss {vals[-1]:.4g}" + ("   (log)" if log else ""))
        p.drawLine(left, bottom, right, bottom)
        p.end()
