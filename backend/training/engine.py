"""The training engine: `TrainingSession` runs epochs and reports through callbacks.

It knows no Qt. The GUI runs `TrainingSession.run` in a worker thread and calls
`stop`, `pause` and `resume` from the GUI thread; the command line runs it in the
main thread. The loop is kept lean: data lives on the device, batches are picked
by index, and on a GPU the losses are read back only every `GPU_SYNC_EVERY` steps
(each read waits for the GPU). Runs are seeded: on the CPU the same seed gives the
same losses, and resuming from a checkpoint gives the same run as not stopping.
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
from backend.data import DataError, PreparedData, load_raw, prepare_data
from backend.importers.weights import load_initial_weights
from backend.training.augment import Augmenter, parse_augmentations
from backend.training.checkpoints import CheckpointError, load_checkpoint, save_checkpoint
from backend.training.device import DeviceError, device_settings
from backend.training.early_stopping import EarlyStopping
from backend.training.events import BatchEvent, EpochEvent, FlowEvent, ImagesEvent, TrainingResult
from backend.training.flow import DEFAULT_EVERY, FlowProbe
from backend.training.losses import LossError, resolve_loss
from backend.training.recipes import GANRecipe, Recipe, RecipeContext, SupervisedRecipe, VAERecipe
from backend.training.schedules import Schedule
from backend.training.setup import (
    TrainingSetupError,
    check_networks,
    network_facts,
    require_outputs,
    resolve_config,
    structural_task,
)
from graph.project import Project
from graph.training_config import parse_batch_size

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
    ):
        self.project = project
        self.config = resolve_config(project.training, overrides)
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path else None
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.history: list[dict] = []
        self.start_epoch = 1
        self.step = 0
        try:
            self._setup()
            if resume_from:
                self._resume(resume_from)
        except (DataError, LossError, DeviceError, CodegenError, CheckpointError, ValueError) as error:
            if isinstance(error, TrainingSetupError):
                raise
            raise TrainingSetupError(_one_line(error)) from None

    # -- setup ---------------------------------------------------------------------------------
    def _setup(self) -> None:
        config = self.config
        infos = check_networks(self.project)
        task = structural_task(self.project) or config["task"]
        outputs = {name: info.outputs for name, info in infos.items()}
        if task == "vae":
            require_outputs(infos["encoder"], ("z", "mu", "logvar"), "VAE encoder")
            main = infos["encoder"]
            decoder_out = infos["decoder"].output_shapes[infos["decoder"].outputs[0]]
            facts = network_facts(main, decoder_out)
        elif task == "gan":
            main = infos["discriminator"]
            facts = network_facts(main)
        else:
            if len(infos) > 1:
                raise TrainingSetupError(
                    f"this project has {len(infos)} networks; training supports one network, "
                    "a VAE (encoder, decoder) or a GAN (generator, discriminator)"
                )
            main = next(iter(infos.values()))
            facts = network_facts(main)
        seed = config["seed"]
        torch.manual_seed(seed)
        raw = load_raw(config["dataset"], facts, seed, config["target"])
        if task == "auto":
            task = raw.task
        if task in ("vae", "gan") and structural_task(self.project) != task:
            wanted = VAE_OR_GAN[task]
            raise TrainingSetupError(f"task={task} needs networks named {wanted}")
        data = prepare_data(raw, facts, task, config["val_split"], seed)
        self.settings = device_settings(config["device"], config["amp"], config["channels_last"])
        self.task = task
        self.facts = facts
        self.batch_size = parse_batch_size(config["batch_size"], len(data.train_x))
        classes = data.num_classes if task in ("classification", "sequence") else 0
        self.loss = resolve_loss(config["loss"], task, facts.output_shape or (), classes)
        torch.manual_seed(seed)  # the same initial weights whatever the data loading drew
        self.models, self.generated = build_models(self.project, reports={n: i.report for n, i in infos.items()})
        load_initial_weights(self.models, config["weights"])
        image_batches = data.train_x.dim() == 4
        for model in self.models.values():
            model.to(self.settings.device)
            if self.settings.channels_last and image_batches:
                model.to(memory_format=torch.channels_last)
        self.data = self._to_device(data)
        runners = dict(self.models)
        if config["compile"]:
            runners = {name: torch.compile(model) for name, model in self.models.items()}
        context = RecipeContext(self.models, runners, outputs, self.data, config, self.settings, self.loss, facts)
        self.recipe = self._make_recipe(context, infos)
        augment = parse_augmentations(config["augment"])
        if augment and not self.data.is_image:
            raise TrainingSetupError(f"augment works on images only; {data.name} gives {data.kind} data")
        self.augmenter = Augmenter(augment, self.data.value_range, self.data.pixel_scale)
        self.schedule = Schedule(config["schedule"], self.recipe.optimizers, config, config["epochs"])
        if self.recipe.monitor is None and config["schedule"] == "plateau":
            raise TrainingSetupError("the plateau schedule needs a validation loss, which a GAN does not have")
        self.early_stopping = EarlyStopping(
            config["early_stopping"] if self.recipe.monitor else 0, config["min_delta"], config["restore_best"]
        )

    def _to_device(self, data: PreparedData) -> PreparedData:
        device = self.settings.device
        for name in ("train_x", "train_y", "val_x", "val_y", "display"):
            value = getattr(data, name)
            if value is not None:
                setattr(data, name, value.to(device))
        return data

    def _make_recipe(self, context: RecipeContext, infos) -> Recipe:
        if self.task == "vae":
            latent = infos["decoder"].network
            shape = network_facts(infos["decoder"]).input_shape
            if not latent.input_nodes():
                raise TrainingSetupError("the VAE decoder needs an Input for z")
            return VAERecipe(context, shape)
        if self.task == "gan":
            noise = network_facts(infos["generator"]).input_shape
            latent_dim = self.config["latent_dim"]
            if latent_dim and tuple(noise) != (latent_dim,):
                raise TrainingSetupError(
                    f"latent_dim={latent_dim} but the generator's Input takes {noise}; set latent_dim=0 to use it"
                )
            return GANRecipe(context, tuple(noise))
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
        """The first `size` training samples (fitted, normalised, on the device) and their targets."""
        data = self.data
        return data.train_x[:size], None if data.train_y is None else data.train_y[:size]

    def save_weights(self, path: str | Path) -> None:
        """The weights as a state_dict (a dict of state_dicts by network for multi-network projects)."""
        states = {name: {k: v.detach().cpu() for k, v in m.state_dict().items()} for name, m in self.models.items()}
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
        self._probe.close()
        if status in ("finished", "early_stopped") and self.early_stopping.restore(self.models):
            message += f"; kept the weights of epoch {self.early_stopping.best_epoch}"
        return TrainingResult(status, message, len(self.history), list(self.history), self.early_stopping.best_epoch)

    def _batches_per_epoch(self) -> int:
        count = len(self.data.train_x)
        batches = math.ceil(count / self.batch_size)
        if batches > 1 and count % self.batch_size == 1:
            batches -= 1  # a last batch of one sample breaks BatchNorm; leave it out
        limit = self.config["max_batches"]
        return min(batches, limit) if limit else batches

    def _loop(self, on_batch, on_epoch, on_images) -> tuple[str, str]:
        config, data, recipe = self.config, self.data, self.recipe
        epochs, batches, size = config["epochs"], self._batches_per_epoch(), self.batch_size
        device = self.settings.device
        sync_every = 1 if device.type == "cpu" else GPU_SYNC_EVERY
        seed = config["seed"]
        count = len(data.train_x)
        for epoch in range(self.start_epoch, epochs + 1):
            recipe.train()
            generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
            order = torch.randperm(count, generator=generator).to(device)
            total = torch.zeros((), device=device)
            parts_total = {name: torch.zeros((), device=device) for name in recipe.part_names}
            pending: list[torch.Tensor] = []
            seen, started, paused_for = 0, time.perf_counter(), 0.0
            for batch in range(1, batches + 1):
                if not self._running.is_set():
                    waited = time.perf_counter()
                    self._running.wait()
                    paused_for += time.perf_counter() - waited
                if self._stop.is_set():
                    return "stopped", f"stopped at epoch {epoch}, batch {batch - 1}"
                self._where = (epoch, batch)
                index = order[(batch - 1) * size : batch * size]
                x = data.train_x[index]
                y = None if data.train_y is None else data.train_y[index]
                if self.augmenter:
                    x = self.augmenter(x, generator)
                if self.settings.channels_last and x.dim() == 4:
                    x = x.contiguous(memory_format=torch.channels_last)
                self._probe.before_step(self.step + 1)
                loss, parts = recipe.train_step(x, y)
                self.step += 1
                self._probe.after_step(self.step, epoch, batch)
                seen += len(index)
                total += loss * len(index)
                for name, value in parts.items():
                    parts_total[name] += value * len(index)
                pending.append(loss)
                if len(pending) >= sync_every or batch == batches:
                    values = torch.stack(pending).tolist()  # the one wait for the device
                    first = batch - len(pending) + 1
                    for offset, value in enumerate(values):
                        if not math.isfinite(value):
                            self._fail_not_finite(epoch, first + offset, value)
                    pending.clear()
                    if on_batch is not None:
                        elapsed = max(time.perf_counter() - started - paused_for, 1e-9)
                        remaining = (batches - batch) + (epochs - epoch) * batches
                        on_batch(
                            BatchEvent(
                                epoch,
                                epochs,
                                batch,
                                batches,
                                values[-1],
                                {name: float(value) for name, value in parts.items()},
                                seen / elapsed,
                                remaining * elapsed / batch,
                                self.step,
                            )
                        )
            metrics = {"train_loss": float(total) / seen}
            metrics.update({name: float(value) / seen for name, value in parts_total.items()})
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

    def _fail_not_finite(self, epoch: int, batch: int, value: float) -> None:
        raise _Failure(
            f"the loss became {'NaN' if math.isnan(value) else 'infinite'} at epoch {epoch}, batch {batch}: "
            f"try a lower learning rate (now {self.recipe.lr:g})"
        )


VAE_OR_GAN = {"vae": "encoder and decoder", "gan": "generator and discriminator"}
