"""Built-in data sets: scikit-learn's bundled tables and images, and generated toys.

Nothing is downloaded: digits, iris, wine, breast_cancer and diabetes ship inside
scikit-learn; sine, reverse, mixture and moons are generated from the seed. The
sequence sets take their length from the network's Input so any preset fits.
"""

from __future__ import annotations

import math

import numpy as np

from backend.data.base import DataError, NetworkFacts, RawData

SINE_SAMPLES = 1200
REVERSE_SAMPLES = 2000
POINT_SAMPLES = 2000
MIXTURE_MODES = 8


def load_builtin(name: str, facts: NetworkFacts, seed: int) -> RawData:
    """Load or generate the built-in data set `name` (a name in ``BUILTIN_DATASETS``)."""
    loader = _LOADERS.get(name)
    if loader is None:
        raise DataError(f"unknown built-in data set {name!r} (known: {', '.join(_LOADERS)})")
    return loader(facts, seed)


def _digits(facts: NetworkFacts, seed: int) -> RawData:
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None, :, :]  # 0..16 grey levels -> [0, 1]
    return RawData(
        "digits", images, data.target.astype(np.int64), "image", "classification", [str(i) for i in range(10)]
    )


def _table(loader_name: str, task: str):
    def load(facts: NetworkFacts, seed: int) -> RawData:
        import sklearn.datasets

        data = getattr(sklearn.datasets, loader_name)()
        x = np.asarray(data.data, dtype=np.float32)
        if task == "classification":
            names = [str(n) for n in data.target_names]
            return RawData(loader_name[5:], x, data.target.astype(np.int64), "tabular", task, names)
        return RawData(loader_name[5:], x, data.target.astype(np.float32), "tabular", task)

    return load


def _sequence_length(facts: NetworkFacts, name: str) -> int:
    if not facts.input_shape or facts.input_shape[0] is None:
        return 20
    length = int(facts.input_shape[0])
    if length < 2:
        raise DataError(f"{name} needs an Input of at least 2 time steps; '{facts.input_name}' has {length}")
    return length


def _sine(facts: NetworkFacts, seed: int) -> RawData:
    """Windows of a noisy sine wave; the target is the value right after each window."""
    length = _sequence_length(facts, "sine")
    rng = np.random.default_rng(seed)
    t = np.arange(SINE_SAMPLES + length, dtype=np.float64)
    wave = np.sin(2 * math.pi * t / 25.0) + 0.5 * np.sin(2 * math.pi * t / 63.0)
    wave = (wave + rng.normal(0.0, 0.05, size=wave.shape)).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(wave[:-1], length)[:SINE_SAMPLES]
    x = np.ascontiguousarray(windows)[:, :, None]
    y = wave[length : length + SINE_SAMPLES, None]
    return RawData("sine", x, y, "series", "regression")


def _reverse(facts: NetworkFacts, seed: int) -> RawData:
    """Random token sequences; the target is the same sequence reversed."""
    length = _sequence_length(facts, "reverse")
    sizes = [s for s in (facts.vocab, facts.output_size) if s]
    vocab = min(sizes) if sizes else 10
    if vocab < 2:
        raise DataError(f"reverse needs a vocabulary of at least 2 tokens; the network gives {vocab}")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, size=(REVERSE_SAMPLES, length), dtype=np.int64)
    return RawData("reverse", x, np.ascontiguousarray(x[:, ::-1]), "tokens", "sequence", [str(i) for i in range(vocab)])


def _mixture(facts: NetworkFacts, seed: int) -> RawData:
    """Points around eight Gaussian blobs on a circle (label: which blob)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, MIXTURE_MODES, size=POINT_SAMPLES)
    angles = 2 * math.pi * labels / MIXTURE_MODES
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0
    points = (centres + rng.normal(0.0, 0.1, size=centres.shape)).astype(np.float32)
    names = [f"blob {i}" for i in range(MIXTURE_MODES)]
    return RawData("mixture", points, labels.astype(np.int64), "points", "classification", names)


def _moons(facts: NetworkFacts, seed: int) -> RawData:
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=POINT_SAMPLES, noise=0.08, random_state=seed)
    return RawData(
        "moons", points.astype(np.float32), labels.astype(np.int64), "points", "classification", ["upper", "lower"]
    )


_LOADERS = {
    "digits": _digits,
    "iris": _table("load_iris", "classification"),
    "wine": _table("load_wine", "classification"),
    "breast_cancer": _table("load_breast_cancer", "classification"),
    "diabetes": _table("load_diabetes", "regression"),
    "sine": _sine,
    "reverse": _reverse,
    "mixture": _mixture,
    "moons": _moons,
}
