"""Quality control of denoised results: was only noise removed? (numpy; no Qt, no torch).

`measure` checks an output against its input (and a reference, when there is one) on a few
windows; `napari_sdap.api.quality_report` is the entry point that adds the model's noise curve
and detail-restore weights. How to read the numbers: docs/qc.md.
"""

from napari_sdap.qc.measure import measure
from napari_sdap.qc.metrics import Band, psnr, ssim
from napari_sdap.qc.report import SCHEMA, Flag, QCReport, WindowStats

__all__ = ["SCHEMA", "Band", "Flag", "QCReport", "WindowStats", "measure", "psnr", "ssim"]
