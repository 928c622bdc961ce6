"""The training engine (no Qt): sessions, events, recipes, optimizers, losses and data plumbing.

Use::

    session = TrainingSession(project, {"epochs": 3})
    result = session.run(on_batch=..., on_epoch=..., on_images=...)
"""

from backend.training.engine import TrainingSession
from backend.training.events import BatchEvent, EpochEvent, ImagesEvent, TrainingResult
from backend.training.setup import TrainingSetupError

__all__ = ["BatchEvent", "EpochEvent", "ImagesEvent", "TrainingResult", "TrainingSession", "TrainingSetupError"]
