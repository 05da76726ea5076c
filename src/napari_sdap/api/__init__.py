"""The Python API: models, training and denoising (imports torch)."""

from napari_sdap.api.loading import load_model
from napari_sdap.api.model import SDAPModel, TrainingRecord, create_model
from napari_sdap.api.noise import NoiseEstimate, analyze_noise, describe_noise
from napari_sdap.api.quality import quality_report
from napari_sdap.api.training import TrainProgress, iter_train, train

__all__ = [
    "NoiseEstimate",
    "SDAPModel",
    "TrainProgress",
    "TrainingRecord",
    "analyze_noise",
    "create_model",
    "describe_noise",
    "iter_train",
    "load_model",
    "quality_report",
    "train",
]
