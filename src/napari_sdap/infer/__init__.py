"""Inference: SDAP / SDAP(E) / plain blind-spot passes and the denoising loop."""
