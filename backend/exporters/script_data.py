"""The data-loading part of an exported training script, one readable snippet per source.

Each snippet defines ``load_data()`` returning ``(x, y, kind)``: a float tensor of
samples (images (N, C, H, W) in [0, 1], tables (N, F), series (N, T, F)) or int64
tokens, the targets, and the kind. The snippets mirror ``backend/data`` so the
script trains on the same samples as the app.
"""

from __future__ import annotations

from pathlib import Path

from backend.exporters.common import ExportError

DIGITS = '''
def load_data():
    """scikit-learn's bundled 8x8 digits (no download), grey levels 0..16 scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    return x, torch.tensor(digits.target), "image"
'''

TABLE = '''
def load_data():
    """scikit-learn's bundled {name} table (no download)."""
    from sklearn.datasets import {loader}

    data = {loader}()
    return torch.tensor(data.data, dtype=torch.float32), torch.tensor(data.target, dtype={target_dtype}), "tabular"
'''

SINE = '''
def load_data():
    """Windows of {length} steps of a noisy sine wave; the target is the value that follows each window."""
    rng = np.random.default_rng(SETTINGS["seed"])
    t = np.arange(1200 + {length})
    wave = np.sin(2 * math.pi * t / 25.0) + 0.5 * np.sin(2 * math.pi * t / 63.0)
    wave = torch.tensor(wave + rng.normal(0.0, 0.05, size=wave.shape), dtype=torch.float32)
    x = torch.stack([wave[i : i + {length}] for i in range(1200)]).unsqueeze(-1)
    y = torch.stack([wave[i + {length}] for i in range(1200)]).unsqueeze(-1)
    return x, y, "series"
'''

REVERSE = '''
def load_data():
    """Random sequences of {length} tokens out of {vocab}; the target is the sequence reversed."""
    rng = np.random.default_rng(SETTINGS["seed"])
    x = torch.tensor(rng.integers(0, {vocab}, size=(2000, {length})))
    return x, x.flip(1), "tokens"
'''

MOONS = '''
def load_data():
    """Two interleaving half circles (scikit-learn's make_moons)."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=2000, noise=0.08, random_state=SETTINGS["seed"])
    return torch.tensor(points, dtype=torch.float32), torch.tensor(labels), "tabular"
'''

MIXTURE = '''
def load_data():
    """Points around eight Gaussian blobs on a circle; the label is the blob."""
    rng = np.random.default_rng(SETTINGS["seed"])
    labels = rng.integers(0, 8, size=2000)
    angles = 2 * math.pi * labels / 8
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0
    points = centres + rng.normal(0.0, 0.1, size=centres.shape)
    return torch.tensor(points, dtype=torch.float32), torch.tensor(labels), "tabular"
'''

CSV = '''
def load_data():
    """The CSV file {path!r}: numeric feature columns, target column {target!r}."""
    with open({path!r}, newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if row]
    header, body = rows[0], rows[1:]
    column = header.index({target!r})
    features = [[float(v) for i, v in enumerate(row) if i != column] for row in body]
    targets = [row[column].strip() for row in body]
    x = torch.tensor(features, dtype=torch.float32)
    if TASK == "regression":
        return x, torch.tensor([float(t) for t in targets]).unsqueeze(1), "tabular"
    try:
        labels = [int(float(t)) for t in targets]
    except ValueError:  # class names written as words: number them in sorted order
        names = sorted(set(targets))
        labels = [names.index(t) for t in targets]
    return x, torch.tensor(labels), "tabular"
'''

NPZ = '''
def load_data():
    """The NumPy archive {path!r} with arrays x and y."""
    with np.load({path!r}, allow_pickle=False) as archive:
        x, y = torch.tensor(archive["x"]), torch.tensor(archive["y"])
    if KIND == "image":
        x = x.float()
        x = x.unsqueeze(1) if x.dim() == 3 else x
        x = x / 255.0 if x.max() > 1 else x
    elif KIND != "tokens":
        x = x.float()
    return x, (y.float().reshape(len(y), -1) if TASK == "regression" else y.long().reshape(len(y), -1)[:, 0]), KIND
'''

IMAGE_FOLDER = '''
def load_data():
    """Images in {path!r}, one sub-folder per class (sorted names are the classes)."""
    from PIL import Image

    root = Path({path!r})
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    mode = {mode!r}
    images, labels = [], []
    for label, folder in enumerate(classes):
        for file in sorted(folder.iterdir()):
            if file.suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"):
                with Image.open(file) as image:
                    images.append(np.asarray(image.convert(mode), dtype=np.float32) / 255.0)
                labels.append(label)
    x = torch.tensor(np.stack(images))
    x = x.unsqueeze(1) if mode == "L" else x.permute(0, 3, 1, 2)
    return x, torch.tensor(labels), "image"
'''

IDX = '''
def read_idx(path):
    """One IDX file (MNIST's format): zero bytes, a type code, the rank, big-endian sizes, then the values."""
    raw = Path(path).read_bytes()
    dtype = {{0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}}[raw[2]]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, dtype=dtype, offset=4 + 4 * raw[3]).reshape(dims).astype(np.float64)


def load_data():
    """MNIST-style IDX images {path!r} with their labels file {labels!r}."""
    images = torch.tensor(read_idx({path!r}), dtype=torch.float32)
    images = images / 255.0 if images.max() > 1 else images
    x = images.unsqueeze(1) if images.dim() == 3 else images.permute(0, 3, 1, 2)
    return x, torch.tensor(read_idx({labels!r})).long(), "image"
'''

TABLES = {
    "iris": "load_iris",
    "wine": "load_wine",
    "breast_cancer": "load_breast_cancer",
    "diabetes": "load_diabetes",
}


def data_snippet(dataset: str, target: str, input_shape: tuple, vocab: int, kind: str, raw_x_shape: tuple) -> str:
    """The ``load_data`` source for a ``dataset`` setting."""
    name = dataset.strip()
    length = input_shape[0] if input_shape else 20
    if name == "digits":
        return DIGITS
    if name in TABLES:
        dtype = "torch.float32" if name == "diabetes" else "torch.long"
        return TABLE.format(name=name, loader=TABLES[name], target_dtype=dtype)
    if name == "sine":
        return SINE.format(length=length)
    if name == "reverse":
        return REVERSE.format(length=length, vocab=vocab)
    if name == "moons":
        return MOONS
    if name == "mixture":
        return MIXTURE
    path = Path(name).expanduser().resolve()
    if path.is_dir():
        return IMAGE_FOLDER.format(path=str(path), mode="L" if raw_x_shape[1] == 1 else "RGB")
    if path.suffix.lower() == ".csv":
        if not target:
            with path.open(encoding="utf-8-sig") as handle:
                target = handle.readline().strip().split(",")[-1].strip()
        return CSV.format(path=str(path), target=target)
    if path.suffix.lower() == ".npz":
        return NPZ.format(path=str(path))
    if kind == "image":
        labels = path.with_name(path.name.replace("images", "labels").replace("idx3", "idx1"))
        return IDX.format(path=str(path), labels=str(labels))
    raise ExportError(f"the training script cannot load {name}")
