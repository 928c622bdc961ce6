"""Where a ``dataset`` setting points: a built-in name or a path, as a call of a plan reader.

A `SourceSpec` names a reader function of the training plan and its arguments.
The engine calls it; the script exporter writes the same call into ``train.py``
(with ``--data`` replacing the path), so both read the same samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend.data.base import DataError, NetworkFacts
from backend.plan import arrays, builtin, images, tables
from backend.plan.table_files import is_table_path
from graph.training_config import BUILTIN_DATASETS

READERS: dict[str, Callable] = {
    "digits_images": builtin.digits_images,
    "sklearn_table": builtin.sklearn_table,
    "sine_windows": builtin.sine_windows,
    "reverse_tokens": builtin.reverse_tokens,
    "mixture_points": builtin.mixture_points,
    "moons_points": builtin.moons_points,
    "read_csv_table": tables.read_csv_table,
    "read_npz_arrays": arrays.read_npz_arrays,
    "read_idx_images": arrays.read_idx_images,
    "index_image_folder": images.index_image_folder,
}
TAKES_PROGRESS = ("read_npz_arrays", "index_image_folder")
DEFAULT_SEQUENCE_LENGTH = 20
DEFAULT_VOCAB = 10


@dataclass(frozen=True)
class SourceSpec:
    """A call of a plan reader: ``READERS[reader](**args)``.

    Attributes:
        reader: the plan function's name.
        args: its keyword arguments (plain values; a path as a string).
        path_arg: the argument holding a file or folder path (None for built-in sets).
    """

    reader: str
    args: dict = field(default_factory=dict)
    path_arg: str | None = None

    def open(self, progress=None):
        """Read the source (an `ArraySource` or a `FolderSource`); raises `DataError`."""
        extra = {"progress": progress} if self.reader in TAKES_PROGRESS else {}
        return READERS[self.reader](**self.args, **extra)


def _sequence_length(facts: NetworkFacts | None, name: str) -> int:
    if facts is None or not facts.input_shape or facts.input_shape[0] is None:
        return DEFAULT_SEQUENCE_LENGTH
    length = int(facts.input_shape[0])
    if length < 2:
        raise DataError(f"{name} needs an Input of at least 2 time steps; '{facts.input_name}' has {length}")
    return length


def _builtin(name: str, facts: NetworkFacts | None, seed: int) -> SourceSpec:
    if name == "digits":
        return SourceSpec("digits_images")
    if name in ("iris", "wine", "breast_cancer", "diabetes"):
        return SourceSpec("sklearn_table", {"name": name})
    if name == "sine":
        return SourceSpec("sine_windows", {"length": _sequence_length(facts, name), "seed": seed})
    if name == "reverse":
        sizes = [s for s in (facts.vocab, facts.output_size) if s] if facts else []
        vocab = min(sizes) if sizes else DEFAULT_VOCAB
        if vocab < 2:
            raise DataError(f"reverse needs a vocabulary of at least 2 tokens; the network gives {vocab}")
        return SourceSpec("reverse_tokens", {"length": _sequence_length(facts, name), "vocab": vocab, "seed": seed})
    if name == "mixture":
        return SourceSpec("mixture_points", {"seed": seed})
    return SourceSpec("moons_points", {"seed": seed})


def is_idx_path(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return "idx" in name or name.endswith("-ubyte") or name.endswith(".idx")


def dataset_spec(dataset: str, facts: NetworkFacts | None = None, seed: int = 0, target: str = "") -> SourceSpec:
    """The reader call for a ``dataset`` setting.

    Args:
        dataset: a name in ``BUILTIN_DATASETS`` or the path of a .csv, .npz, IDX file or image folder.
        facts: the network's Input/Output (sequence sets take their length from it); None: defaults.
        seed: seed for generated sets.
        target: CSV only: the column to predict (empty: the suggested one).

    Raises:
        DataError: one line naming what is wrong.
    """
    name = str(dataset).strip()
    if name in BUILTIN_DATASETS:
        return _builtin(name, facts, seed)
    if not name:
        raise DataError("no data set chosen (a built-in name or a file path)")
    path = Path(name).expanduser()
    if not path.exists():
        raise DataError(f"{name}: no such file or folder (built-in data sets: {', '.join(BUILTIN_DATASETS)})")
    where = str(path.resolve())
    if path.is_dir():
        return SourceSpec("index_image_folder", {"path": where}, "path")
    suffix = path.suffix.lower()
    if is_table_path(path):
        return SourceSpec("read_csv_table", {"path": where, "target": target}, "path")
    if suffix == ".npz":
        return SourceSpec("read_npz_arrays", {"path": where}, "path")
    if is_idx_path(path):
        return SourceSpec("read_idx_images", {"path": where}, "path")
    raise DataError(f"{path.name}: unknown kind of data file (use .csv, .tsv, .npz, an IDX file or a folder of images)")


def open_dataset(dataset: str, facts: NetworkFacts | None = None, seed: int = 0, target: str = "", progress=None):
    """Read the data set named by a ``dataset`` setting (see `dataset_spec`)."""
    return dataset_spec(dataset, facts, seed, target).open(progress)
