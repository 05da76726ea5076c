"""A small live loss plot drawn with QPainter (no plotting library needed)."""

from __future__ import annotations

import math

from qtpy.QtCore import QPointF
from qtpy.QtGui import QColor, QPainter, QPainterPath, QPen
from qtpy.QtWidgets import QSizePolicy, QWidget

__all__ = ["LossPlot"]

_TEACHER = QColor(90, 140, 200)
_VALIDATION = QColor(230, 90, 230)


class LossPlot(QWidget):
    """Training loss per step (thin) and its running mean (thick) for each stage: the teacher
    (blue / orange) then the student's distillation (green), each on its own scale (they are
    different losses); log scale when a stage's losses span >10x. The teacher's validation loss
    (held-out rows) is drawn as magenta dots on the teacher's scale. Axes: step (x), loss (y)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.losses: list[float] = []
        self.student: list[float] = []
        self.validation: list[tuple[int, float]] = []
        """(teacher step index, validation loss) pairs."""
        self.setMinimumHeight(100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("x: training step; y: loss. Teacher (blue/orange): cyclic "
                        "sampling-difference loss; it levels off but does not go to zero (the "
                        "target is itself noisy). Magenta dots: the same loss on held-out "
                        "validation rows; rising dots mean overfitting. Student (green): mean "
                        "difference from the teacher's result, on its own scale.")

    def set_losses(self, losses: list[float], student: list[float] | None = None,
                   validation: list[tuple[int, float]] | bool | None = None) -> None:
        self.losses = [v for v in losses if math.isfinite(v)]
        self.student = [v for v in student or [] if math.isfinite(v)]
        self.validation = list(validation) if isinstance(validation, list) else []
        self.update()

    def append(self, loss: float, stage: str = "teacher", val_loss: float | None = None) -> None:
        if math.isfinite(loss):
            (self.student if stage == "student" else self.losses).append(loss)
            if val_loss is not None and math.isfinite(val_loss) and stage != "student":
                self.validation.append((len(self.losses) - 1, val_loss))
            self.update()

    @staticmethod
    def smoothed(values: list[float]) -> list[float]:
        """Exponential running mean of `values`."""
        out, m = [], None
        alpha = 2 / (1 + max(5, len(values) // 20))
        for v in values:
            m = v if m is None else (1 - alpha) * m + alpha * v
            out.append(m)
        return out

    def _stage(self, p: QPainter, vals: list[float], box: tuple[float, float, float, float],
               colours: tuple[QColor, QColor]) -> str:
        """Draw one stage's curves in `box` (left, top, right, bottom); returns its scale text."""
        left, top, right, bottom = box
        extra = [v for _, v in self.validation] if colours[0] == _TEACHER else []
        lo, hi = min(vals + extra), max(vals + extra)
        log = lo > 0 and hi / lo > 10
        f = (lambda v: math.log10(v)) if log else (lambda v: v)
        flo, span = f(lo), (f(hi) - f(lo)) or 1.0
        n = len(vals)

        def pt(i: int, v: float) -> QPointF:
            return QPointF(left + (right - left) * i / max(1, n - 1),
                           bottom - (bottom - top) * (f(v) - flo) / span)

        for series, colour, width in ((vals, colours[0], 1.0),
                                      (self.smoothed(vals), colours[1], 2.0)):
            path = QPainterPath(pt(0, series[0]))
            stepi = max(1, n // max(1, int(right - left)))  # at most ~1 point per pixel
            for i in range(stepi, n, stepi):
                path.lineTo(pt(i, series[i]))
            path.lineTo(pt(n - 1, series[-1]))
            p.setPen(QPen(colour, width))
            p.drawPath(path)
        if extra:
            p.setPen(QPen(_VALIDATION, 4.0))
            for i, v in self.validation:
                p.drawPoint(pt(min(i, n - 1), v))
        return f"{lo:.3g}-{hi:.3g}" + (" log" if log else "")

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
        left, top, right, bottom = 20.0, 8.0, w - 8.0, h - 18.0
        total = len(self.losses) + len(self.student)
        split = left + (right - left) * len(self.losses) / total if len(self.student) > 1 \
            else right
        text = "train " + self._stage(p, self.losses, (left, top, split, bottom),
                                      (_TEACHER, QColor(255, 190, 70)))
        if self.validation:
            text += f"  validation {self.validation[-1][1]:.3g}"
        if len(self.student) > 1:
            text += "   student " + self._stage(p, self.student, (split, top, right, bottom),
                                                (QColor(90, 170, 120), QColor(140, 230, 150)))
            p.setPen(QColor(110, 110, 110))
            p.drawLine(QPointF(split, top), QPointF(split, bottom))
        p.setPen(QColor(170, 170, 170))
        p.drawText(int(left), h - 4, f"step → {total}   {text}")
        p.drawLine(int(left), int(bottom), int(right), int(bottom))
        p.drawLine(int(left), int(top), int(left), int(bottom))
        p.save()
        p.translate(12, (top + bottom) / 2 + 12)
        p.rotate(-90)
        p.drawText(0, 0, "loss")
        p.restore()
        p.end()
