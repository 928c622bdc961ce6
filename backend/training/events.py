"""What the training engine reports: plain dataclasses, no Qt.

The engine calls ``on_batch(BatchEvent)``, ``on_epoch(EpochEvent)``,
``on_images(ImagesEvent)`` and ``on_flow(FlowEvent)`` on the training thread and
returns a `TrainingResult`.
The GUI turns them into queued signals; the command line prints them. Every field
is a plain Python or numpy value so an event can cross threads without touching
torch tensors that are still being trained.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class BatchEvent:
    """Progress after a training step (on CUDA, after every few steps).

    Attributes:
        epoch: 1-based epoch number; ``epochs`` the total.
        batch: 1-based batch number within the epoch; ``batches`` per epoch.
        loss: the training loss of this batch.
        losses: named parts of the loss (``d_loss``/``g_loss`` for a GAN, ``recon``/``kl`` for a VAE).
        samples_per_second: training throughput measured since the epoch started.
        eta_seconds: estimated time until the last epoch ends.
        step: optimizer steps taken since the run started (the x axis of a live curve).
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    losses: dict[str, float]
    samples_per_second: float
    eta_seconds: float
    step: int


@dataclass
class EpochEvent:
    """Metrics at the end of an epoch.

    ``metrics`` holds ``train_loss``, ``lr`` and, depending on the task, ``val_loss``,
    ``val_accuracy`` (classifiers), ``r2`` (regression), ``recon``/``kl`` (VAE),
    ``d_loss``/``g_loss`` (GAN). ``extras`` holds ``confusion`` (numpy int matrix,
    rows = true class) and ``class_names`` for classifiers, ``predictions`` for
    regression and ``sequences`` for token sequences (see `SupervisedRecipe.examples`).
    """

    epoch: int
    epochs: int
    metrics: dict[str, float]
    extras: dict = field(default_factory=dict)


@dataclass
class ImagesEvent:
    """A grid of pictures to show: VAE reconstructions/samples, GAN samples, predictions.

    ``images`` is float numpy in [0, 1], shaped (N, H, W) or (N, H, W, 3).
    """

    epoch: int
    kind: str
    images: np.ndarray
    labels: list[str] | None = None


@dataclass
class NodeFlow:
    """Gradient and activation statistics of one node at one sampled step.

    Attributes:
        network, node: where (``block.layer`` for a layer inside a block).
        grad_norm: L2 norm of the node's parameter gradients (None: no parameters).
        grad_rms: the same per parameter, ``grad_norm / sqrt(count)``, comparable across layers.
        act_mean, act_std: mean and standard deviation of the node's output on that batch
            (None when the node's output was not seen, e.g. no module of its own).
        flag: ``"vanishing"``, ``"exploding"`` or "" (see `backend.training.flow.flag_gradients`).
    """

    network: str
    node: str
    grad_norm: float | None
    grad_rms: float | None
    act_mean: float | None
    act_std: float | None
    flag: str = ""


@dataclass
class FlowEvent:
    """Per-node flow statistics after a sampled step (every few steps, see `backend.training.flow`)."""

    step: int
    epoch: int
    batch: int
    nodes: list[NodeFlow]

    @property
    def flagged(self) -> list[NodeFlow]:
        return [node for node in self.nodes if node.flag]


@dataclass
class TrainingResult:
    """How a run ended: ``status`` is finished, stopped, early_stopped or failed; ``history`` has one dict per epoch."""

    status: str
    message: str
    epochs_run: int
    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
