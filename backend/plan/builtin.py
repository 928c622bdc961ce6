"""Built-in data sets: scikit-learn's bundled tables and digits, and generated toys.

Nothing is downloaded: digits, iris, wine, breast_cancer and diabetes ship inside
scikit-learn; sine, reverse, mixture and moons are generated from the seed. The
sequence sets take their length (and the reversal's vocabulary) from the network.
"""

from __future__ import annotations

import math

import numpy as np

from backend.plan.arrays import ArraySource

SINE_SAMPLES = 1200
REVERSE_SAMPLES = 2000
POINT_SAMPLES = 2000
MIXTURE_MODES = 8


def digits_images() -> ArraySource:
    """scikit-learn's 1,797 handwritten digits, 8x8 pixels, grey levels 0..16 scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None, :, :]
    names = [str(i) for i in range(10)]
    return ArraySource("digits", images, data.target.astype(np.int64), "image", "classification", names)


def sklearn_table(name: str) -> ArraySource:
    """One of scikit-learn's bundled tables: iris, wine and breast_cancer (classes) or diabetes (values)."""
    import sklearn.datasets

    data = getattr(sklearn.datasets, f"load_{name}")()
    x = np.asarray(data.data, dtype=np.float32)
    if name == "diabetes":
        return ArraySource(name, x, data.target.astype(np.float32), "tabular", "regression")
    names = [str(n) for n in data.target_names]
    return ArraySource(name, x, data.target.astype(np.int64), "tabular", "classification", names)


def sine_windows(length: int, seed: int) -> ArraySource:
    """Windows of `length` steps of a noisy sine wave; the target is the value right after each window."""
    rng = np.random.default_rng(seed)
    t = np.arange(SINE_SAMPLES + length, dtype=np.float64)
    wave = np.sin(2 * math.pi * t / 25.0) + 0.5 * np.sin(2 * math.pi * t / 63.0)
    wave = (wave + rng.normal(0.0, 0.05, size=wave.shape)).astype(np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(wave[:-1], length)[:SINE_SAMPLES]
    x = np.ascontiguousarray(windows)[:, :, None]
    y = wave[length : length + SINE_SAMPLES, None]
    return ArraySource("sine", x, y, "series", "regression")


def reverse_tokens(length: int, vocab: int, seed: int) -> ArraySource:
    """Random sequences of `length` tokens out of `vocab`; the target is the same sequence reversed."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, vocab, size=(REVERSE_SAMPLES, length), dtype=np.int64)
    names = [str(i) for i in range(vocab)]
    return ArraySource("reverse", x, np.ascontiguousarray(x[:, ::-1]), "tokens", "sequence", names)


def mixture_points(seed: int) -> ArraySource:
    """Points around eight Gaussian blobs on a circle; the label is the blob."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, MIXTURE_MODES, size=POINT_SAMPLES)
    angles = 2 * math.pi * labels / MIXTURE_MODES
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0
    points = (centres + rng.normal(0.0, 0.1, size=centres.shape)).astype(np.float32)
    names = [f"blob {i}" for i in range(MIXTURE_MODES)]
    return ArraySource("mixture", points, labels.astype(np.int64), "points", "classification", names)


def moons_points(seed: int) -> ArraySource:
    """Two interleaving half circles (scikit-learn's make_moons)."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=POINT_SAMPLES, noise=0.08, random_state=seed)
    names = ["upper", "lower"]
    return ArraySource("moons", points.astype(np.float32), labels.astype(np.int64), "points", "classification", names)
