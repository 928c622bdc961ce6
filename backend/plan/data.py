"""Prepared data: split, normalised and served in batches on the training device.

`prepare` takes a source (an `ArraySource` or a `FolderSource`), the `SampleFit`
the network needs and the task, and returns `PreparedData`. Small data stays
resident: fitted and normalised once, kept as tensors on the device, batches
picked by index. Large data (image folders, arrays whose fitted samples exceed
`RESIDENT_BYTES`) is streamed: DataLoader worker processes (persistent, pinned
memory on CUDA) read or decode each batch, 8-bit images stay uint8 until they
reach the device, where they are fitted and normalised, so memory grows with
the batch and not with the data set. Normalisation statistics then come from a
seeded sample of `NORM_SAMPLE` training items. Either way the split and the batch
order follow the seed, and the batches are the same.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator

import numpy as np
import torch

from backend.plan.arrays import class_indices
from backend.plan.batches import epoch_batches
from backend.plan.errors import DataError
from backend.plan.fit import SampleFit
from backend.plan.normalise import Normaliser, Statistics, make_normaliser, statistics_for
from backend.plan.split import split_indices

RESIDENT_BYTES = 512 * 2**20  # fitted float32 samples up to this size are kept on the device
NORM_SAMPLE = 256  # streamed data: training items read for the normalisation statistics
EVAL_BATCH = 512  # at most; evaluation takes twice the training batch (no gradients kept, so it fits too)
CHUNK = 2048  # resident data is fitted and normalised this many samples at a time
DISPLAY_COUNT = 16
SMALL_STREAM = 256  # fewer items than this are decoded in the training process (no workers to start)


def loader_workers(count: int, requested: int | None = None) -> int:
    """DataLoader worker processes for `count` streamed items: one core is left to the training process."""
    if requested is not None:
        return max(0, requested)
    if count < SMALL_STREAM:
        return 0
    return max(1, min(8, (os.cpu_count() or 2) - 1))


def task_targets(source, task: str) -> tuple[torch.Tensor | None, list[str] | None]:
    """The source's targets as a tensor for `task`, with class names for classifiers."""
    if task in ("vae", "gan") or source.y is None:
        if task not in ("vae", "gan"):
            raise DataError(f"{source.name} has no targets ('y'), so it cannot train a {task} network")
        return None, source.class_names
    if task == "classification":
        labels, names = class_indices(source.y, source.class_names, source.name)
        return torch.from_numpy(labels), names
    if task == "sequence":
        tokens = np.asarray(source.y, dtype=np.int64)
        if tokens.ndim != 2:
            raise DataError(f"{source.name}: a sequence task needs a token sequence per sample")
        return torch.from_numpy(tokens), source.class_names
    if source.named_labels:
        raise DataError(f"{source.name}: the target column holds words, so it cannot be a regression target")
    values = np.asarray(source.y, dtype=np.float32)
    return torch.from_numpy(values.reshape(len(values), -1)), None


class StreamedSamples(torch.utils.data.Dataset):
    """What DataLoader workers read: a batch of rows or decoded images at a time."""

    def __init__(self, source, fit: SampleFit):
        self.source, self.fit = source, fit

    def __len__(self) -> int:
        return self.source.count

    def __getitem__(self, position: int):
        return self.source.read([position], self.fit)

    def __getitems__(self, positions: list[int]):
        return self.source.read(positions, self.fit)


class BatchPlan(torch.utils.data.Sampler):
    """The batches the loader reads next; set before each pass so persistent workers serve every epoch."""

    def __init__(self):
        self.batches: list[list[int]] = []

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def keep_batch(batch):
    """The loader's collate function: a batch arrives already stacked."""
    return batch


class Part:
    """One side of the split: resident tensors (`x`, `y`) or, when streamed, source `indices` and `y`."""

    def __init__(self, count: int, x=None, y=None, indices=None):
        self.count, self.x, self.y, self.indices = count, x, y, indices


class PreparedData:
    """Training and validation data of one run, served in batches ready for the network.

    Attributes:
        name, kind, task: the data set, its kind (image, tabular, ...) and the task it trains.
        class_names: the classes (classifiers) or tokens (sequences).
        fit: how samples were fitted to the Input.
        normaliser: training statistics, applied to every batch.
        target_mean, target_std: regression targets were standardised with these.
        display: up to 16 validation images in [0, 1] (N, C, H, W) for picture grids, or None.
        notes: what was left out while reading (empty class folders, ...).
        skipped: the files found unreadable so far (streamed image folders).
    """

    def __init__(
        self, source, fit: SampleFit, task: str, device: torch.device, batch_size: int, workers: int | None = None
    ):
        self.source, self.fit, self.task, self.device = source, fit, task, device
        self.eval_batch = max(1, min(EVAL_BATCH, 2 * batch_size))
        self.name, self.kind = source.name, source.kind
        self.class_names: list[str] | None = None
        self.normaliser = Normaliser()
        self.target_mean = self.target_std = None
        self.display: torch.Tensor | None = None
        self.notes = list(source.notes)
        self.skipped: dict[str, None] = {}
        self.streamed = False
        self.train = self.val = Part(0)
        self.workers = workers
        self._loader = self._plan = self._sample_shape = None

    # -- what the recipes and loops read ---------------------------------------------------------
    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.class_names else 0

    @property
    def value_range(self) -> tuple[float, float]:
        return self.normaliser.value_range

    @property
    def pixel_scale(self) -> float:
        return self.normaliser.pixel_scale

    @property
    def is_image(self) -> bool:
        """Batches are (N, C, H, W) images (not flattened for a dense Input)."""
        return self.kind == "image" and self.fit.flatten is None

    @property
    def sample_shape(self) -> tuple:
        """One sample as the network receives it."""
        if self._sample_shape is None:
            x, _ = self.head(1, "train" if self.train.count else "val")
            self._sample_shape = tuple(x.shape[1:])
        return self._sample_shape

    def skip_summary(self) -> str:
        """One line naming the unreadable files met so far ('' when none)."""
        if not self.skipped:
            return ""
        names = sorted(self.skipped)
        shown = ", ".join(names[:5]) + (f", ... ({len(names) - 5} more)" if len(names) > 5 else "")
        return f"skipped {len(names)} unreadable image{'s' if len(names) > 1 else ''}: {shown}"

    # -- batches -----------------------------------------------------------------------------------
    def train_batches(
        self, generator: torch.Generator, size: int, limit: int = 0, rank: int = 0, world: int = 1
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """One epoch of shuffled training batches (this process's share under torchrun)."""
        batches = epoch_batches(self.train.count, size, generator, limit, rank, world)
        return self._serve(self.train, batches)

    def val_batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        """The validation samples in order, `eval_batch` at a time."""
        size = self.eval_batch
        order = torch.arange(self.val.count)
        return self._serve(self.val, list(order.split(size)) if self.val.count else [])

    def head(self, count: int, part: str = "train") -> tuple[torch.Tensor, torch.Tensor | None]:
        """The first `count` samples of the ``train`` or ``val`` part, ready for the network."""
        chosen = self.train if part == "train" else self.val
        if not self.streamed:
            return chosen.x[:count], None if chosen.y is None else chosen.y[:count]
        positions = torch.arange(min(count, chosen.count))
        rows, kept, skipped = self.source.read(chosen.indices[positions.numpy()].tolist(), self.fit)
        self.skipped.update(dict.fromkeys(skipped))
        if kept is not None:
            positions = positions[torch.tensor(kept, dtype=torch.bool)]
        x = self.ready(self.source.samples(rows.to(self.device), self.fit))
        return x, None if chosen.y is None else chosen.y[positions.to(self.device)]

    def ready(self, fitted: torch.Tensor) -> torch.Tensor:
        """Fitted samples normalised and shaped for the Input."""
        x = self.normaliser(fitted)
        return x if self.fit.flatten is None else x.reshape(len(x), *self.fit.flatten)

    def _serve(self, part: Part, batches: list[torch.Tensor]):
        if not self.streamed:
            if not batches:
                return
            order = torch.cat(batches).to(self.device)  # one copy to the device per epoch
            start = 0
            for batch in batches:
                index = order[start : start + len(batch)]
                start += len(batch)
                yield part.x[index], None if part.y is None else part.y[index]
            return
        loader = self.loader()
        self._plan.batches = [part.indices[batch.numpy()].tolist() for batch in batches]
        for positions, (rows, kept, skipped) in zip(batches, loader, strict=True):
            if skipped:
                self.skipped.update(dict.fromkeys(skipped))
            if kept is not None and not all(kept):
                positions = positions[torch.tensor(kept, dtype=torch.bool)]
                if not len(positions):
                    continue
            x = self.ready(self.source.samples(rows.to(self.device, non_blocking=True), self.fit))
            yield x, None if part.y is None else part.y[positions.to(self.device)]

    def loader(self) -> torch.utils.data.DataLoader:
        """The DataLoader of streamed data (made on first use; its workers live until `close`)."""
        if self._loader is None:
            workers = loader_workers(self.source.count, self.workers)
            context = None
            if workers and threading.active_count() > 1 and "forkserver" in multiprocessing.get_all_start_methods():
                context = "forkserver"  # forking a process that runs other threads (a GUI) can deadlock the child
            self._plan = BatchPlan()
            self._loader = torch.utils.data.DataLoader(
                StreamedSamples(self.source, self.fit),
                batch_sampler=self._plan,
                num_workers=workers,
                collate_fn=keep_batch,
                pin_memory=self.device.type == "cuda",
                persistent_workers=workers > 0,
                multiprocessing_context=context,
            )
        return self._loader

    def close(self) -> None:
        """Stop the loader's worker processes (a later batch starts them again)."""
        self._loader = self._plan = None


def prepare(
    source,
    fit: SampleFit,
    task: str,
    val_split: float,
    seed: int,
    device: torch.device,
    batch_size: int,
    *,
    workers: int | None = None,
    progress=None,
) -> PreparedData:
    """Split `source` with the seed, fit and normalise it for `task`, ready to serve batches on `device`.

    Args:
        batch_size: the training batch (evaluation takes twice as many samples at a time).
        workers: DataLoader worker processes for streamed data (None: from the cores).
        progress: called as ``progress("sample", done, total)`` while streamed data is
            sampled for its statistics.

    Raises:
        DataError: too few samples, targets that do not suit the task, or values that are not finite.
    """
    data = PreparedData(source, fit, task, device, batch_size, workers)
    targets, names = task_targets(source, task)
    data.class_names = names if task in ("classification", "sequence") else None
    train_idx, val_idx = split_indices(source.count, val_split, seed, source.name)
    if targets is not None and task == "regression":
        stats = Statistics(-1)
        stats.add(targets[torch.from_numpy(train_idx)])
        data.target_mean, data.target_std = stats.mean().float(), stats.std().float()
        targets = (targets - data.target_mean) / data.target_std
        if fit.target_shape is not None:
            targets = targets.reshape(len(targets), *fit.target_shape)
    if source.resident(fit, RESIDENT_BYTES):
        _resident(data, train_idx, val_idx, targets)
    else:
        _streamed(data, train_idx, val_idx, targets, seed, progress)
    if data.normaliser.mean is not None and not (
        torch.isfinite(data.normaliser.mean).all() and torch.isfinite(data.normaliser.std).all()
    ):
        raise DataError(f"{source.name}: the samples contain NaN or infinite values")
    return data


def _targets(targets: torch.Tensor | None, index: np.ndarray, device: torch.device) -> torch.Tensor | None:
    return None if targets is None else targets[torch.from_numpy(index)].to(device)


def _resident(data: PreparedData, train_idx: np.ndarray, val_idx: np.ndarray, targets) -> None:
    source, fit = data.source, data.fit
    chunks = np.array_split(np.arange(source.count), max(1, -(-source.count // CHUNK)))
    fitted = torch.cat([source.samples(source.read(chunk.tolist(), fit)[0], fit) for chunk in chunks])
    if source.kind == "image" and fit.flatten is None:
        shown = val_idx if len(val_idx) else train_idx
        data.display = fitted[torch.from_numpy(shown[:DISPLAY_COUNT])].to(data.device)
    train_x, val_x = fitted[torch.from_numpy(train_idx)], fitted[torch.from_numpy(val_idx)]
    stats = statistics_for(source.kind, fitted.dim())
    if stats is not None:
        for chunk in train_x.split(CHUNK):
            stats.add(chunk)
    data.normaliser = make_normaliser(stats, source.kind, data.task, fitted.dim())
    data.train = Part(len(train_idx), data.ready(train_x).to(data.device), _targets(targets, train_idx, data.device))
    data.val = Part(len(val_idx), data.ready(val_x).to(data.device), _targets(targets, val_idx, data.device))


def _streamed(data: PreparedData, train_idx: np.ndarray, val_idx: np.ndarray, targets, seed: int, progress) -> None:
    source, fit, device = data.source, data.fit, data.device
    data.streamed = True
    data.train = Part(len(train_idx), y=_targets(targets, train_idx, device), indices=train_idx)
    data.val = Part(len(val_idx), y=_targets(targets, val_idx, device), indices=val_idx)
    picks = np.sort(np.random.default_rng(seed).permutation(len(train_idx))[:NORM_SAMPLE])
    loader = data.loader()
    data._plan.batches = [train_idx[chunk].tolist() for chunk in np.array_split(picks, -(-len(picks) // 32))]
    stats, dims, done = None, 4, 0
    for rows, _kept, skipped in loader:
        data.skipped.update(dict.fromkeys(skipped))
        fitted = source.samples(rows.to(device, non_blocking=True), fit)
        dims = fitted.dim()
        stats = stats or statistics_for(source.kind, dims)
        if stats is not None and len(fitted):
            stats.add(fitted)
        done += len(rows) + len(skipped)
        if progress is not None:
            progress("sample", done, len(picks))
    if stats is not None and stats.count == 0:
        raise DataError(f"{source.name}: none of the {len(picks)} samples looked at could be read")
    data.normaliser = make_normaliser(stats, source.kind, data.task, dims).to(device)
    if source.kind == "image" and fit.flatten is None:
        chosen = data.val if data.val.count else data.train
        rows, _kept, skipped = source.read(chosen.indices[:DISPLAY_COUNT].tolist(), fit)
        data.skipped.update(dict.fromkeys(skipped))
        data.display = source.samples(rows.to(device), fit)
