"""Supervised recipes: classification, regression and token sequences (one network, one loss).

Validation metrics: ``val_loss`` always; ``val_accuracy`` and a confusion matrix
for classifiers; ``val_accuracy`` per token for sequences; ``r2`` (coefficient of
determination) for regression. For image classifiers a grid of validation images
with their predicted labels is shown each epoch. `examples` adds a few validation
samples with the model's answers to the extras, so each task can show its picture:
``predictions`` for regression (truth and prediction, plus the input window for a
series: a forecast against the truth) and ``sequences`` for token sequences (input,
target and output tokens).
"""

from __future__ import annotations

import torch

from backend.plan.losses import supervised_loss
from backend.plan.metrics import evaluate_supervised, predict_classes
from backend.plan.optimizers import make_optimizer
from backend.training.events import ImagesEvent
from backend.training.recipes.base import Recipe, RecipeContext, to_pictures

FORECAST_WINDOWS = 4  # series: windows drawn with their forecast
SCATTER_POINTS = 200  # tables: predictions drawn against their truth
SEQUENCE_EXAMPLES = 6


class SupervisedRecipe(Recipe):
    def __init__(self, ctx: RecipeContext):
        super().__init__(ctx)
        self.name = next(iter(ctx.models))
        self.model = ctx.models[self.name]
        self.runner = ctx.runners[self.name]
        self.task = ctx.data.task
        self.classes = ctx.data.num_classes
        self.loss_fn = supervised_loss(ctx.loss, self.task, self.classes)
        self.optimizer = make_optimizer(ctx.config["optimizer"], self.model.parameters(), ctx.config)
        self.optimizers = [self.optimizer]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with self.settings.autocast():
            out = self.runner(x)
        return out[0] if isinstance(out, tuple) else out

    def train_step(self, x, y):
        loss = self.loss_fn(self.forward(x), y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), {}

    def evaluate(self):
        if not self.data.val.count:
            return {}, {}
        self.eval()
        metrics, confusion = evaluate_supervised(
            self.forward, self.data.val_batches(), self.loss_fn, self.task, self.classes
        )
        extras = {} if confusion is None else {"confusion": confusion, "class_names": list(self.data.class_names)}
        extras.update(self.examples())
        return metrics, extras

    @torch.no_grad()
    def examples(self, count: int = SEQUENCE_EXAMPLES) -> dict:
        """The first validation samples with the model's answers (numpy), for the task's picture.

        Regression: ``predictions`` = {truth, predicted} (first target value of each
        sample) and, for a series, ``history`` (the input window's first feature). Both
        are standardised with the training statistics. Sequences: ``sequences`` =
        {inputs, targets, outputs} as token ids and ``tokens`` (the names of the outputs).
        """
        data = self.data
        if self.task == "regression":
            x, y = data.head(FORECAST_WINDOWS if data.kind == "series" else SCATTER_POINTS, "val")
            series = data.kind == "series" and x.dim() == 3
            predicted = self.forward(x).float().reshape(len(x), -1)[:, 0]
            picture = {"truth": y.reshape(len(y), -1)[:, 0].float().cpu().numpy(), "predicted": predicted.cpu().numpy()}
            if series:
                picture["history"] = x[..., 0].float().cpu().numpy()
            return {"predictions": picture}
        if self.task == "sequence":
            x, y = data.head(count, "val")
            outputs = predict_classes(self.forward(x).float(), self.classes)
            sequences = {"inputs": x.cpu().numpy(), "targets": y.cpu().numpy(), "outputs": outputs.cpu().numpy()}
            return {"sequences": {**sequences, "tokens": list(data.class_names or [])}}
        return {}

    @torch.no_grad()
    def images(self, epoch: int) -> list[ImagesEvent]:
        data = self.data
        if self.task != "classification" or data.display is None or not data.val.count:
            return []
        pictures = to_pictures(data.display)
        if pictures is None:
            return []
        self.eval()
        x, y = data.head(len(pictures), "val")
        predicted = predict_classes(self.forward(x).float(), self.classes).tolist()
        truth = y.tolist()
        names = data.class_names
        labels = [
            names[p] if p == t else f"{names[p] if p < len(names) else p} (is {names[t]})"
            for p, t in zip(predicted, truth, strict=True)
        ]
        return [ImagesEvent(epoch, "predictions", pictures, labels)]
