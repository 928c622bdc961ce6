"""The training engine: `TrainingSession` runs epochs and reports through callbacks.

It knows no Qt. The GUI runs `TrainingSession.run` in a worker thread and calls
`stop`, `pause` and `resume` from the GUI thread; the command line runs it in the
main thread. Data, split, normalisation, batch order, augmentation, losses and
optimizers come from the training plan (``backend/plan``), which the exported
training script copies, so both give the same numbers. The loop is kept lean:
small data lives on the device and batches are picked by index, large data
streams through DataLoader workers, and on a GPU the losses are read back only
every `GPU_SYNC_EVERY` steps (each read waits for the GPU). Runs are seeded: on
the CPU the same seed gives the same losses, and resuming from a checkpoint gives
the same run as not stopping.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch

from backend.codegen import CodegenError
from backend.compiler import build_models
from backend.data import DataError
from backend.importers.weights import load_initial_weights
from backend.plan.augment import Augmenter
from backend.plan.batches import batch_count, epoch_generator
from backend.plan.data import prepare
from backend.plan.early_stopping import EarlyStopping
from backend.plan.metrics import EpochMeter
from backend.plan.schedules import Schedule
from backend.training.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from backend.training.device import DeviceError, device_settings
from backend.training.events import BatchEvent, EpochEvent, FlowEvent, ImagesEvent, TrainingResult
from backend.training.flow import DEFAULT_EVERY, FlowProbe
from backend.training.losses import LossError
from backend.training.recipes import GANRecipe, Recipe, RecipeContext, SupervisedRecipe, VAERecipe
from backend.training.setup import TrainingSetupError, plan_run, resolve_config
from graph.project import Project

log = logging.getLogger(__name__)
GPU_SYNC_EVERY = 10


def _one_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class _Failure(Exception):
    """Ends a run early with status ``failed`` and a message for the user."""


class TrainingSession:
    """One training run of a project.

    Args:
        project: the project (its networks and ``training`` settings).
        overrides: settings that replace the project's for this run (same names, e.g.
            ``{"epochs": 3, "max_batches": 5}``); checked like ``--set``.
        checkpoint_path: where to write a checkpoint after every epoch (None: nowhere).
        resume_from: a checkpoint to continue from.
        progress: called as ``progress(stage, done, total)`` while data is read: ``index``
            (class folders of an image folder), ``extract`` (bytes of a compressed NPZ member),
            ``sample`` (items read for the normalisation statistics of streamed data).

    Raises:
        TrainingSetupError: the settings, data, loss, device or networks cannot train (one line).
    """

    def __init__(
        self,
        project: Project,
        overrides: dict | None = None,
        *,
        checkpoint_path: str | Path | None = None,
        resume_from: str | Path | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ):
        self.project = project
        self.config = resolve_config(project.training, overrides)
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.history: list[dict] = []
        self._reported: set[str] = set()
        self.start_epoch = 1
        self.step = 0
        try:
            self._setup(progress)
            if resume_from:
                self._resume(resume_from)
        except (DataError, LossError, DeviceError, CodegenError, CheckpointError, ValueError) as error:
            if isinstance(error, TrainingSetupError):
                raise
            raise TrainingSetupError(_one_line(error)) from None

    # -- setup ---------------------------------------------------------------------------------
    def _setup(self, progress) -> None:
        config = self.config
        plan = self.plan = plan_run(self.project, config, progress)
        self.task, self.facts, self.fit, self.loss, self.batch_size = (
            plan.task,
            plan.facts,
            plan.fit,
            plan.loss,
            plan.batch_size,
        )
        self.settings = device_settings(config["device"], config["amp"], config["channels_last"])
        seed = config["seed"]
        torch.manual_seed(seed)
        device = self.settings.device
        self.data = prepare(
            plan.source, plan.fit, plan.task, config["val_split"], seed, device, plan.batch_size, progress=progress
        )
        torch.manual_seed(seed)  # the same initial weights whatever the data loading drew
        self.models, self.generated = build_models(self.project, reports={n: i.report for n, i in plan.infos.items()})
        load_initial_weights(self.models, config["weights"])
        for model in self.models.values():
            model.to(self.settings.device)
            if self.settings.channels_last and self.data.is_image:
                model.to(memory_format=torch.channels_last)
        runners = dict(self.models)
        if config["compile"]:
            runners = {name: torch.compile(model) for name, model in self.models.items()}
        context = RecipeContext(
            self.models, runners, plan.outputs, self.data, config, self.settings, self.loss, self.facts
        )
        self.recipe = self._make_recipe(context)
        self.augmenter = Augmenter(config["augment"], self.data.value_range, self.data.pixel_scale)
        self.schedule = Schedule(config["schedule"], self.recipe.optimizers, config, config["epochs"])
        if self.recipe.monitor is None and config["schedule"] == "plateau":
            raise TrainingSetupError("the plateau schedule needs a validation loss, which a GAN does not have")
        self.early_stopping = EarlyStopping(
            config["early_stopping"] if self.recipe.monitor else 0, config["min_delta"], config["restore_best"]
        )

    def _make_recipe(self, context: RecipeContext) -> Recipe:
        if self.task == "vae":
            return VAERecipe(context, self.plan.latent_shape)
        if self.task == "gan":
            return GANRecipe(context, self.plan.noise_shape)
        return SupervisedRecipe(context)

    def _resume(self, path: str | Path) -> None:
        state = load_checkpoint(path)
        if sorted(state.get("models", {})) != sorted(self.models):
            raise CheckpointError(f"{Path(path).name}: its networks do not match this project's")
        try:
            for name, model in self.models.items():
                model.load_state_dict(state["models"][name])
            for optimizer, saved in zip(self.recipe.optimizers, state["optimizers"], strict=True):
                optimizer.load_state_dict(saved)
            self.schedule.load_state_dict(state["schedule"])
            self.early_stopping.load_state_dict(state["early_stopping"])
        except (RuntimeError, KeyError, ValueError) as error:
            raise CheckpointError(f"{Path(path).name}: does not fit this project ({_one_line(error)[:160]})") from None
        self.history = list(state["history"])
        self.start_epoch = int(state["epoch"]) + 1
        self.step = int(state["step"])
        torch.set_rng_state(state["rng"])
        if self.settings.device.type == "cuda" and state.get("cuda_rng"):
            torch.cuda.set_rng_state_all(state["cuda_rng"])

    # -- control (thread-safe) ---------------------------------------------------------------------
    @property
    def device(self) -> str:
        return str(self.settings.device)

    def stop(self) -> None:
        """Ask the run to end; it stops before the next batch starts."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def fixed_batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The first `size` training samples and targets, fitted, normalised and on the device (same every call)."""
        return self.data.head(size, "train")

    def weights(self) -> dict[str, dict[str, torch.Tensor]]:
        """The trained weights by network, on the CPU: what the exporters take as ``weights=``."""
        return {name: {k: v.detach().cpu() for k, v in m.state_dict().items()} for name, m in self.models.items()}

    def save_weights(self, path: str | Path) -> None:
        """The weights as a state_dict (a dict of state_dicts by network for multi-network projects)."""
        states = self.weights()
        torch.save(next(iter(states.values())) if len(states) == 1 else states, Path(path))

    def checkpoint_state(self, epoch: int) -> dict:
        return {
            "epoch": epoch,
            "step": self.step,
            "task": self.task,
            "models": {name: model.state_dict() for name, model in self.models.items()},
            "optimizers": [optimizer.state_dict() for optimizer in self.recipe.optimizers],
            "schedule": self.schedule.state_dict(),
            "early_stopping": self.early_stopping.state_dict(),
            "history": self.history,
            "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.settings.device.type == "cuda" else [],
        }

    # -- the loop -------------------------------------------------------------------------------------
    def run(
        self,
        on_batch: Callable[[BatchEvent], None] | None = None,
        on_epoch: Callable[[EpochEvent], None] | None = None,
        on_images: Callable[[ImagesEvent], None] | None = None,
        on_flow: Callable[[FlowEvent], None] | None = None,
        flow_every: int = DEFAULT_EVERY,
    ) -> TrainingResult:
        """Train until the last epoch, a stop, early stopping or a failure; never raises for those.

        ``on_flow`` gets per-node gradient and activation statistics every `flow_every` steps
        (see `backend.training.flow`); without it no step is sampled.
        """
        self._where = (self.start_epoch, 0)
        self._probe = FlowProbe(self.models, on_flow, flow_every)
        try:
            status, message = self._loop(on_batch, on_epoch, on_images)
        except _Failure as failure:
            status, message = "failed", str(failure)
        except torch.OutOfMemoryError:
            if self.settings.device.type == "cuda":
                torch.cuda.empty_cache()
            status, message = "failed", f"out of GPU memory at batch size {self.batch_size}: try a smaller batch"
        except Exception as error:  # a failed run must come back as a result, not kill the worker thread
            log.exception("training failed")
            epoch, batch = self._where
            status, message = "failed", f"training failed at epoch {epoch}, batch {batch}: {_one_line(error)}"
        finally:
            self.data.close()  # stop the loader's worker processes of streamed data
            self._probe.close()
        if status in ("finished", "early_stopped") and self.early_stopping.restore(self.models):
            message += f"; kept the weights of epoch {self.early_stopping.best_epoch}"
        return TrainingResult(status, message, len(self.history), list(self.history), self.early_stopping.best_epoch)

    def _loop(self, on_batch, on_epoch, on_images) -> tuple[str, str]:
        epochs, recipe = self.config["epochs"], self.recipe
        for epoch in range(self.start_epoch, epochs + 1):
            metrics = self._train_epoch(epoch, on_batch)
            if metrics is None:
                return "stopped", f"stopped at epoch {epoch}, batch {self._where[1]}"
            val_metrics, extras = recipe.evaluate()
            metrics.update(val_metrics)
            metrics["lr"] = recipe.lr
            monitored = metrics.get(recipe.monitor or "", metrics["train_loss"]) if recipe.monitor else None
            if monitored is not None and not math.isfinite(monitored):
                raise _Failure(
                    f"the validation loss became {monitored} at epoch {epoch}: try a lower learning rate "
                    f"(now {recipe.lr:g})"
                )
            self.history.append({"epoch": epoch, **metrics})
            self.schedule.step(monitored)
            stop_early = monitored is not None and self.early_stopping.update(epoch, monitored, self.models)
            notes = self._new_notes()
            if notes:
                extras["notes"] = notes
            if on_epoch is not None:
                on_epoch(EpochEvent(epoch, epochs, metrics, extras))
            if on_images is not None:
                for event in recipe.images(epoch):
                    on_images(event)
            if self.checkpoint_path is not None:
                save_checkpoint(self.checkpoint_path, self.checkpoint_state(epoch))
            if stop_early:
                best = self.early_stopping.best_epoch
                return "early_stopped", (
                    f"stopped early after epoch {epoch}: no improvement for {self.early_stopping.patience} epochs "
                    f"(best: epoch {best})"
                )
        return "finished", f"finished {epochs} epochs"

    def _train_epoch(self, epoch: int, on_batch) -> dict[str, float] | None:
        """One pass over the training batches: the epoch's mean losses, or None when stopped."""
        config, recipe, size = self.config, self.recipe, self.batch_size
        batches = batch_count(self.data.train.count, size, config["max_batches"])
        sync_every = 1 if self.settings.device.type == "cpu" else GPU_SYNC_EVERY
        recipe.train()
        generator = epoch_generator(config["seed"], epoch)  # this epoch's shuffle and augmentation draws
        meter = EpochMeter(recipe.part_names, self.settings.device)
        pending: list[torch.Tensor] = []
        self._clock = _Clock()
        for batch, (x, y) in enumerate(self.data.train_batches(generator, size, config["max_batches"]), start=1):
            if not self._running.is_set():
                self._clock.pause(self._running.wait)
            if self._stop.is_set():
                self._where = (epoch, batch - 1)
                return None
            self._where = (epoch, batch)
            self._probe.before_step(self.step + 1)
            loss, parts = recipe.train_step(self.settings.layout(self.augmenter(x, generator)), y)
            self.step += 1
            self._probe.after_step(self.step, epoch, batch)
            self._clock.seen += len(x)
            meter.add(loss, parts, len(x))
            pending.append(loss)
            if len(pending) >= sync_every or batch == batches:
                self._report(pending, parts, epoch, batch, batches, on_batch)
        if pending:
            self._report(pending, parts, epoch, batch, batches, on_batch)
        return meter.means()

    def _report(self, pending: list[torch.Tensor], parts: dict, epoch: int, batch: int, batches: int, on_batch) -> None:
        """Read the pending losses back (the one wait for the device), check them and report the last."""
        values = torch.stack(pending).tolist()
        first = batch - len(pending) + 1
        for offset, value in enumerate(values):
            if not math.isfinite(value):
                self._fail_not_finite(epoch, first + offset, value)
        pending.clear()
        if on_batch is None:
            return
        epochs = self.config["epochs"]
        elapsed = self._clock.elapsed()
        remaining = (batches - batch) + (epochs - epoch) * batches
        on_batch(
            BatchEvent(
                epoch,
                epochs,
                batch,
                batches,
                values[-1],
                {name: float(value) for name, value in parts.items()},
                self._clock.seen / elapsed,
                remaining * elapsed / batch,
                self.step,
            )
        )

    def _new_notes(self) -> list[str]:
        """What the data reported since the last epoch (left-out folders, unreadable images)."""
        notes = [*self.data.notes, self.data.skip_summary()]
        fresh = [note for note in notes if note and note not in self._reported]
        self._reported.update(fresh)
        return fresh

    def _fail_not_finite(self, epoch: int, batch: int, value: float) -> None:
        raise _Failure(
            f"the loss became {'NaN' if math.isnan(value) else 'infinite'} at epoch {epoch}, batch {batch}: "
            f"try a lower learning rate (now {self.recipe.lr:g})"
        )


class _Clock:
    """Training time of an epoch, without the time spent paused, and the samples seen in it."""

    def __init__(self):
        self.started, self.paused_for, self.seen = time.perf_counter(), 0.0, 0

    def pause(self, wait: Callable[[], object]) -> None:
        waited = time.perf_counter()
        wait()
        self.paused_for += time.perf_counter() - waited

    def elapsed(self) -> float:
        return max(time.perf_counter() - self.started - self.paused_for, 1e-9)
