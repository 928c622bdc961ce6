"""The training configuration of a project: names, kinds, defaults and ranges.

These names are shared by the project file, ``--set K=V`` on the command line and
the Training dock, so every setting is declared once here as a `Param`. The
training engine in ``backend/`` gives them meaning; this module only checks values.
"""

from __future__ import annotations

from typing import Any

from graph.params import Param, ParamError

BUILTIN_DATASETS = (
    "digits",
    "iris",
    "wine",
    "breast_cancer",
    "diabetes",
    "sine",
    "reverse",
    "mixture",
    "moons",
)
TASKS = ("auto", "classification", "regression", "sequence", "vae", "gan")
LOSSES = ("auto", "cross_entropy", "mse", "l1", "bce", "nll")
OPTIMIZERS = ("sgd", "momentum", "momentum_ema", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("none", "step", "cosine", "plateau")
DEVICES = ("auto", "cpu", "cuda", "mps")
AUGMENTATIONS = ("rotate", "scale", "crop", "flip", "brightness", "contrast")

TRAINING_PARAMS: tuple[Param, ...] = (
    Param(
        "dataset", "str", "digits", "A built-in data set name, or the path of a .csv, .npz, IDX file or image folder."
    ),
    Param("target", "str", "", "CSV only: the column to predict (empty: the last column)."),
    Param("task", "choice", "auto", "What the network learns; auto picks from the data set.", choices=TASKS),
    Param("loss", "choice", "auto", "The loss to minimise; auto picks one that fits the task.", choices=LOSSES),
    Param(
        "optimizer",
        "choice",
        "adam",
        "sgd: plain gradient descent; momentum: PyTorch's v = mu*v + g; momentum_ema: the course's "
        "v = beta*v + (1-beta)*g; adagrad, rmsprop, adam, adamw: adaptive learning rates.",
        choices=OPTIMIZERS,
    ),
    Param(
        "lr", "float", 1e-3, "Learning rate: the size of each step.", minimum=0.0, maximum=100.0, label="learning rate"
    ),
    Param(
        "momentum",
        "float",
        0.9,
        "Momentum (beta): how much of the past the running averages of momentum, momentum_ema and "
        "RMSprop (its squared gradients, PyTorch's alpha) keep.",
        minimum=0.0,
        maximum=0.9999,
    ),
    Param("beta1", "float", 0.9, "Adam: decay of the running mean of gradients.", minimum=0.0, maximum=0.9999),
    Param(
        "beta2",
        "float",
        0.999,
        "Adam / AdamW: decay of the running mean of squared gradients.",
        minimum=0.0,
        maximum=0.99999,
    ),
    Param(
        "eps",
        "float",
        1e-8,
        "A small number that keeps adaptive optimizers from dividing by zero.",
        minimum=0.0,
        maximum=1.0,
    ),
    Param("weight_decay", "float", 0.0, "L2 penalty on the weights.", minimum=0.0, maximum=1.0),
    Param(
        "batch_size",
        "str",
        "64",
        "Samples per step: 'full' is batch gradient descent, 1 is stochastic, k is mini-batch.",
    ),
    Param("epochs", "int", 10, "Passes over the training data.", minimum=1, maximum=100000),
    Param(
        "max_batches",
        "int",
        0,
        "Stop each epoch after this many batches (0: use all the data); for quick trial runs.",
        minimum=0,
        maximum=10**9,
    ),
    Param("seed", "int", 0, "Random seed: the same seed gives the same run on the CPU.", minimum=0, maximum=2**31 - 1),
    Param("val_split", "float", 0.2, "Share of the data held out for validation.", minimum=0.0, maximum=0.9),
    Param(
        "early_stopping",
        "int",
        0,
        "Stop after this many epochs without improvement (0: off).",
        minimum=0,
        maximum=10000,
    ),
    Param("min_delta", "float", 0.0, "Early stopping: the smallest drop in validation loss that counts.", minimum=0.0),
    Param("restore_best", "bool", True, "Early stopping: put back the best weights at the end."),
    Param("schedule", "choice", "none", "Learning-rate schedule.", choices=SCHEDULES),
    Param("step_size", "int", 10, "Step schedule: epochs between decays.", minimum=1, maximum=100000),
    Param(
        "gamma",
        "float",
        0.1,
        "Step / plateau schedule: factor the learning rate is multiplied by.",
        minimum=0.0,
        maximum=1.0,
    ),
    Param("augment", "str", "", "Image augmentations, comma-separated: " + ", ".join(AUGMENTATIONS) + "."),
    Param("device", "choice", "auto", "Where to train: auto takes a GPU when there is one.", choices=DEVICES),
    Param("amp", "bool", True, "On CUDA: bf16 mixed precision."),
    Param("channels_last", "bool", True, "On CUDA: channels-last memory format for images."),
    Param("compile", "bool", False, "Compile the model with torch.compile (slower start, faster steps)."),
    Param(
        "latent_dim",
        "int",
        0,
        "GAN: size of the generator's noise input (0: read from the generator).",
        minimum=0,
        maximum=65536,
    ),
    Param("kl_weight", "float", 1.0, "VAE: weight of the KL term.", minimum=0.0, maximum=1000.0),
    Param(
        "label_smoothing",
        "float",
        0.0,
        "GAN: the discriminator learns to score real samples 1 - label_smoothing instead of 1 (one-sided "
        "label smoothing), so it cannot become overconfident and starve the generator of gradient.",
        minimum=0.0,
        maximum=0.5,
    ),
    Param("weights", "str", "", "A state_dict file training starts from (empty: fresh random weights)."),
)

TRAINING_PARAM_BY_NAME = {p.name: p for p in TRAINING_PARAMS}

# The hyper-parameters each optimizer reads, beside lr (the training form shows only these).
OPTIMIZER_SETTINGS: dict[str, tuple[str, ...]] = {
    "sgd": ("weight_decay",),
    "momentum": ("momentum", "weight_decay"),
    "momentum_ema": ("momentum", "weight_decay"),
    "adagrad": ("eps", "weight_decay"),
    "rmsprop": ("momentum", "eps", "weight_decay"),
    "adam": ("beta1", "beta2", "eps", "weight_decay"),
    "adamw": ("beta1", "beta2", "eps", "weight_decay"),
}


def default_training_config() -> dict[str, Any]:
    return {p.name: p.default for p in TRAINING_PARAMS}


def coerce_training_value(name: str, value: Any) -> Any:
    """Check one training setting; raise `ParamError` naming it when it is wrong."""
    param = TRAINING_PARAM_BY_NAME.get(name)
    if param is None:
        known = ", ".join(TRAINING_PARAM_BY_NAME)
        raise ParamError(f"unknown training setting {name!r} (known: {known})")
    if name == "batch_size":
        return _coerce_batch_size(value)  # a number is fine here too (the GUI's spin box gives one)
    value = param.coerce(value)
    if name == "augment":
        value = _coerce_augment(value)
    return value


def coerce_training_config(values: dict[str, Any]) -> dict[str, Any]:
    """A full configuration: defaults for missing keys, every given key checked."""
    config = default_training_config()
    for name, value in values.items():
        config[name] = coerce_training_value(name, value)
    return config


def parse_batch_size(value: str, dataset_size: int) -> int:
    """The number of samples per step for a checked ``batch_size`` and a data set size."""
    if value == "full":
        return max(1, dataset_size)
    return max(1, min(int(value), max(1, dataset_size)))


def _coerce_batch_size(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ParamError(f"batch_size must be 'full' or a whole number from 1 to 1,000,000; got {value!r}")
    text = str(value).strip().lower()
    if text in ("full", "batch", "all"):
        return "full"
    if text in ("stochastic", "sgd"):
        return "1"
    if text.isdigit() and 1 <= int(text) <= 1_000_000:
        return str(int(text))
    raise ParamError(f"batch_size must be 'full' or a whole number from 1 to 1,000,000; got {value!r}")


def _coerce_augment(value: str) -> str:
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    for name in names:
        if name not in AUGMENTATIONS:
            raise ParamError(f"augment: unknown augmentation {name!r} (known: {', '.join(AUGMENTATIONS)})")
    return ",".join(dict.fromkeys(names))
