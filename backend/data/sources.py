"""Where a ``dataset`` setting points: a built-in name or a path, dispatched by kind."""

from __future__ import annotations

from pathlib import Path

from backend.data.base import DataError, NetworkFacts, RawData
from backend.data.builtin import load_builtin
from backend.data.csv_data import load_csv
from backend.data.idx import is_idx_path, load_idx
from backend.data.image_folder import load_image_folder
from backend.data.npz_data import load_npz
from graph.training_config import BUILTIN_DATASETS


def load_raw(dataset: str, facts: NetworkFacts, seed: int = 0, target: str = "") -> RawData:
    """Read the data set named by a ``dataset`` setting.

    Args:
        dataset: a name in ``BUILTIN_DATASETS`` or the path of a .csv, .npz, IDX file or image folder.
        facts: the network's Input/Output (sequence sets take their length from it).
        seed: seed for generated sets.
        target: CSV only: the column to predict.

    Raises:
        DataError: one line naming what is wrong.
    """
    name = dataset.strip()
    if name in BUILTIN_DATASETS:
        return load_builtin(name, facts, seed)
    if not name:
        raise DataError("no data set chosen (a built-in name or a file path)")
    path = Path(name).expanduser()
    if not path.exists():
        raise DataError(f"{name}: no such file or folder (built-in data sets: {', '.join(BUILTIN_DATASETS)})")
    if path.is_dir():
        return load_image_folder(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path, target)
    if suffix == ".npz":
        return load_npz(path)
    if is_idx_path(path):
        return load_idx(path)
    raise DataError(f"{path.name}: unknown kind of data file (use .csv, .npz, an IDX file or a folder of images)")
