"""The pictures of a lesson's experiments, one file per family; `picture_widget` picks the one for a kind.

Every kind in ``graph.lessons.PICTURES`` has a widget here, built from the data
``backend.lessons.run.compute_picture`` gives for it (see that function for each
kind's data).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.lessons.pictures.activation_curves import ActivationCurvesPicture
from app.lessons.pictures.image_grids import (
    feature_maps_picture,
    filters_picture,
    latent_picture,
    samples_by_epoch_picture,
)
from app.lessons.pictures.lstm_gates import LSTMGatesPicture
from app.lessons.pictures.optimizer_paths import OptimizerPathsPicture
from app.lessons.pictures.sequences import sequence_examples_picture

TITLES = {
    "activation_curves": "Activation functions and their slopes",
    "optimizer_paths": "Optimizer paths",
    "filters": "Learned filters",
    "feature_maps": "Feature maps of one validation sample",
    "lstm_gates": "LSTM gates over one input window",
    "sequence_examples": "Held-out sequences",
    "latent_map": "The decoder over the 2-D code space",
    "latent_traversal": "One code number at a time",
    "samples_by_epoch": "Generated samples, epoch by epoch",
}


def picture_widget(kind: str, data, epochs: int = 0) -> QWidget:
    """The widget that draws `data` of a picture of `kind` (`epochs`: how long the model trained)."""
    builders = {
        "activation_curves": ActivationCurvesPicture,
        "optimizer_paths": OptimizerPathsPicture,
        "filters": filters_picture,
        "feature_maps": feature_maps_picture,
        "lstm_gates": LSTMGatesPicture,
        "sequence_examples": lambda examples: sequence_examples_picture(examples, epochs),
        "latent_map": latent_picture("Each tile decodes one point of the code grid"),
        "latent_traversal": latent_picture("Row: a code number moving from low to high, the others 0"),
        "samples_by_epoch": samples_by_epoch_picture,
    }
    return builders[kind](data)
