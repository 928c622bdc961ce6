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

from backend.training.events import ImagesEvent
from backend.training.losses import supervised_loss
from backend.training.optimizers import make_optimizer
from backend.training.recipes.base import Recipe, RecipeContext, batches, to_pictures

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

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        if out.shape[-1] == 1 and self.classes == 2:
            return (out[..., 0] > 0).long()
        return out.argmax(dim=-1)

    @torch.no_grad()
    def evaluate(self):
        data = self.data
        if len(data.val_x) == 0:
            return {}, {}
        self.eval()
        loss_sum = torch.zeros((), device=data.val_x.device)
        correct = torch.zeros((), device=data.val_x.device)
        outputs = []
        confusion = None
        if self.task == "classification":
            confusion = torch.zeros(self.classes * self.classes, dtype=torch.long, device=data.val_x.device)
        for x, y in batches(data.val_x, data.val_y):
            out = self.forward(x).float()
            loss_sum += self.loss_fn(out, y) * len(x)
            if self.task == "regression":
                outputs.append(out)
                continue
            predicted = self.predict(out)
            correct += (predicted == y).sum()
            if confusion is not None:
                known = predicted < self.classes  # an Output wider than the classes may predict an unused index
                confusion += torch.bincount(y[known] * self.classes + predicted[known], minlength=confusion.numel())
        count = len(data.val_x)
        metrics = {"val_loss": float(loss_sum) / count}
        extras = {}
        if self.task == "regression":
            predicted = torch.cat(outputs).reshape(count, -1)
            target = data.val_y.reshape(count, -1).float()
            residual = ((target - predicted) ** 2).sum()
            total = ((target - target.mean(dim=0)) ** 2).sum()
            metrics["r2"] = float(1 - residual / total) if float(total) > 0 else 0.0
        else:
            per_sample = data.val_y[0].numel()
            metrics["val_accuracy"] = float(correct) / (count * per_sample)
        if confusion is not None:
            extras = {
                "confusion": confusion.view(self.classes, self.classes).cpu().numpy(),
                "class_names": list(self.data.class_names),
            }
        extras.update(self.examples())
        return metrics, extras

    @torch.no_grad()
    def examples(self) -> dict:
        """The first validation samples with the model's answers (numpy), for the task's picture.

        Regression: ``predictions`` = {truth, predicted} (first target value of each
        sample) and, for a series, ``history`` (the input window's first feature). Both
        are standardised with the training statistics. Sequences: ``sequences`` =
        {inputs, targets, outputs} as token ids and ``tokens`` (the names of the outputs).
        """
        data = self.data
        if self.task == "regression":
            series = data.kind == "series" and data.val_x.dim() == 3
            x = data.val_x[: FORECAST_WINDOWS if series else SCATTER_POINTS]
            y = data.val_y[: len(x)]
            predicted = self.forward(x).float().reshape(len(x), -1)[:, 0]
            picture = {"truth": y.reshape(len(y), -1)[:, 0].float().cpu().numpy(), "predicted": predicted.cpu().numpy()}
            if series:
                picture["history"] = x[..., 0].float().cpu().numpy()
            return {"predictions": picture}
        if self.task == "sequence":
            x, y = data.val_x[:SEQUENCE_EXAMPLES], data.val_y[:SEQUENCE_EXAMPLES]
            outputs = self.predict(self.forward(x).float())
            sequences = {"inputs": x.cpu().numpy(), "targets": y.cpu().numpy(), "outputs": outputs.cpu().numpy()}
            return {"sequences": {**sequences, "tokens": list(data.class_names or [])}}
        return {}

    @torch.no_grad()
    def images(self, epoch: int) -> list[ImagesEvent]:
        data = self.data
        if self.task != "classification" or data.display is None or len(data.val_x) == 0:
            return []
        pictures = to_pictures(data.display)
        if pictures is None:
            return []
        self.eval()
        count = len(pictures)
        predicted = self.predict(self.forward(data.val_x[:count]).float()).tolist()
        truth = data.val_y[:count].tolist()
        names = data.class_names
        labels = [
            names[p] if p == t else f"{names[p] if p < len(names) else p} (is {names[t]})"
            for p, t in zip(predicted, truth, strict=True)
        ]
        return [ImagesEvent(epoch, "predictions", pictures, labels)]
