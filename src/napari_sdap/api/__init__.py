"""The Python API: models, training and denoising (imports torch)."""

from napari_sdap.api.model import SDAPModel, TrainingRecord, create_model, load_model
from napari_sdap.api.quality import quality_report
from napari_sdap.api.training import TrainProgress, iter_train, train

__all__ = [
    "SDAPModel",
    "TrainProgress",
    "TrainingRecord",
    "create_model",
    "iter_train",
    "load_model",
    "quality_report",
    "train",
]
