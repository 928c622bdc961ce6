"""Fitting a network to its data: the parameter edits that make it take the data set (DESIGN.md).

`DataFacts` says what a data set is (plain values: kind, one sample's shape, the
classes and their names, the task); the backend reads them from the files
(``backend.data.describe_dataset``). `fit_network` answers what to change so a
project's network takes that data: the Input's shape (features; channels and
image size, which the loader resizes to), the width of the layer that feeds the
Output (classes, target columns or vocabulary), what a generator or decoder must
draw, and the task. It only plans: `apply_fit` (or the GUI's undoable command)
makes the changes. A network that cannot take the kind of data at all (a CNN on a
table) is refused with a `FitError` naming the presets that can.

Image size: the data's typical size within ``[current, MAX_FIT_SIZE]``; data
smaller than the network keeps the network's size (digits' 8x8 are upscaled to
LeNet-5's 32x32 by the loader), a preset's size is measured from its default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph.network import Network, Node
from graph.project import Project
from graph.shapes import format_shape
from graph.validation import NetworkReport, validate_network

DATA_KINDS = ("image", "tabular", "series", "tokens", "points")
MAX_FIT_SIZE = 224  # photos are not fitted larger than ImageNet's networks take them
# Layers that pass the last dimension through unchanged, walked over on the way back from an Output.
PASS_THROUGH = frozenset(
    {"ReLU", "LeakyReLU", "ELU", "GELU", "SELU", "SiLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Dropout",
     "Identity", "BatchNorm1d", "LayerNorm"}
)  # fmt: skip
# Which preset option decides which part of the network (an option the user sets wins over the data).
OPTION_ROLES = {
    "in_channels": "input",
    "image_size": "input",
    "in_features": "input",
    "seq_len": "input",
    "num_classes": "output",
    "vocab_size": "output",
}
WHAT_TAKES = {
    "image": "images",
    "tabular": "tables",
    "points": "tables",
    "series": "series",
    "tokens": "token sequences",
}


class FitError(ValueError):
    """A network that cannot take a kind of data; the message names the presets that can."""


@dataclass(frozen=True)
class DataFacts:
    """What a data set is, in plain values.

    Attributes:
        name: what the user calls it (``wine.csv``, ``digits``).
        kind: image, tabular, series, tokens or points.
        sample_shape: one sample: (C, H, W) (the typical size of a folder's images), (F,),
            (T, F) or (T,); None where the data takes the network's size (a generated series).
        samples: how many samples there are.
        task: classification, regression or sequence.
        class_names: the classes (classification) in label order.
        target_width: regression: values predicted per sample.
        vocab: tokens: how many different token ids there are.
        columns: CSV: the columns; target: the one predicted.
        notes: what reading the data left out or chose.
    """

    name: str
    kind: str
    sample_shape: tuple
    samples: int
    task: str
    class_names: tuple[str, ...] = ()
    target_width: int = 0
    vocab: int = 0
    columns: tuple[str, ...] = ()
    target: str = ""
    notes: tuple[str, ...] = ()

    @property
    def classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> str:
        """One line for the user: ``wine.csv: 178 samples of 13 features, 3 classes (a, b, c)``."""
        shape = self.sample_shape
        if self.kind == "image":
            size = "x".join("?" if s is None else str(s) for s in shape[1:])
            what = f"{size} {'grey' if shape[0] == 1 else 'colour'} images"
        elif self.kind in ("tabular", "points"):
            what = f"{shape[0]} features"
        elif self.kind == "series":
            length = "any length" if shape[0] is None else f"{shape[0]} steps"
            what = f"series of {shape[-1]} value{'s' if shape[-1] != 1 else ''} per step ({length})"
        else:
            what = f"token sequences ({'any length' if shape[0] is None else f'{shape[0]} tokens'})"
        text = f"{self.name}: {self.samples:,} samples, {what}"
        if self.task == "classification":
            shown = ", ".join(self.class_names[:6]) + (", ..." if self.classes > 6 else "")
            return f"{text}, {self.classes} classes ({shown})"
        if self.task == "regression":
            return f"{text}, predicting {self.target_width} value{'s' if self.target_width > 1 else ''}"
        return f"{text}, {self.vocab} different tokens"


@dataclass(frozen=True)
class ParamEdit:
    """Set ``param`` of node ``node_id`` (called ``node``) in ``network`` from ``old`` to ``new``."""

    network: str
    node_id: str
    node: str
    param: str
    old: Any
    new: Any
    role: str  # input or output: which side of the network the edit fits

    def describe(self) -> str:
        return f"{self.network}/{self.node} {self.param}: {_value(self.old)} -> {_value(self.new)}"


@dataclass
class NetworkFit:
    """What fitting a project to a data set changes.

    Attributes:
        edits: parameter changes on the networks.
        training: training settings to change (the task, a loss that no longer fits).
        options: the preset options that build a fitted network (only when a preset is being built).
        notes: what could not be fitted and must be done by hand.
    """

    edits: list[ParamEdit] = field(default_factory=list)
    training: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        lines = [edit.describe() for edit in self.edits]
        lines += [f"training {key}: {value}" for key, value in self.training.items()]
        return lines + self.notes


def _value(value: Any) -> str:
    return format_shape(value) if isinstance(value, tuple) else str(value)


# -- what a network takes -------------------------------------------------------------------------------
def _data_input(network: Network, report: NetworkReport) -> Node:
    inputs = [n for n in network.input_nodes() if not report.live or n.id in report.live]
    if len(inputs) != 1:
        raise FitError(f"network '{network.name}' has {len(inputs)} connected Inputs; it can be fitted with one")
    return inputs[0]


def input_kind(node: Node) -> str:
    """What an Input takes, in words: images, vectors, series or token sequences."""
    if node.params.get("dtype") == "int64":
        return "tokens"
    return {3: "images", 2: "series", 1: "vectors"}.get(len(tuple(node.params["shape"])), "tensors")


def _takes(kind: str, data: str, usual: bool = False) -> bool:
    """Whether an Input of `kind` can take `data`: images and series flatten into vectors, and an
    image is a series of rows (unless only the `usual` way of taking it counts)."""
    allowed = {
        "image": ("images", "vectors") if usual else ("images", "series", "vectors"),
        "tabular": ("vectors",),
        "points": ("vectors",),
        "series": ("series", "vectors"),
        "tokens": ("tokens",),
    }[data]
    return kind in allowed


@cache
def _preset_kinds() -> tuple[tuple[str, str], ...]:
    """(preset, what its data Input takes) for every preset, from its default network."""
    from graph.presets import PRESETS, build_preset

    found = []
    for name in PRESETS:
        project = build_preset(name)
        network = project.networks.get("encoder") or project.networks.get("discriminator") or project.main
        found.append((name, input_kind(network.input_nodes()[0])))
    return tuple(found)


def presets_for(kind: str) -> list[str]:
    """The presets whose network can take data of `kind` (an MLP takes images flattened)."""
    return [name for name, takes in _preset_kinds() if _takes(takes, kind, usual=True)]


def _refuse(network: Network, node: Node, facts: DataFacts) -> FitError:
    takes = input_kind(node)
    shape = format_shape(tuple(node.params["shape"]))
    data = {
        "image": "images",
        "tabular": f"a table of {facts.sample_shape[0]} features",
        "points": f"points of {facts.sample_shape[0]} coordinates",
        "series": "series",
        "tokens": "token sequences",
    }[facts.kind]
    fitting = ", ".join(presets_for(facts.kind)) or "none"
    return FitError(
        f"network '{network.name}' takes {takes} {shape} but {facts.name} holds {data}; "
        f"presets that take {WHAT_TAKES[facts.kind]}: {fitting}"
    )


# -- the rule -------------------------------------------------------------------------------------------------
def _fitted_size(typical: int | None, base: int) -> int:
    if typical is None:
        return base
    return min(max(typical, base), max(base, MAX_FIT_SIZE))


def _input_shape(node: Node, facts: DataFacts, base_size: tuple[int, int] | None) -> tuple:
    """The shape the data Input should take."""
    shape = tuple(node.params["shape"])
    sample = facts.sample_shape
    if facts.kind == "tokens":
        return (sample[0] if sample[0] is not None else shape[0],)
    if facts.kind == "image":
        channels, height, width = sample
        if len(shape) == 1:
            return shape if height is None else (channels * height * width,)
        if len(shape) == 2:  # a series Input reads an image row by row
            return shape if height is None else (height, width)
        base = base_size or tuple(shape[-2:])
        size = (_fitted_size(height, base[0]), _fitted_size(width, base[1]))
        if base_size is not None and base_size[0] == base_size[1]:  # a preset's square image_size
            side = _fitted_size(None if height is None else min(height, width), base[0])
            size = (side, side)
        return (channels, *size)
    if facts.kind == "series":
        steps = sample[0] if sample[0] is not None else shape[0]
        if len(shape) == 1:
            return shape if sample[0] is None else (steps * sample[-1],)
        return (steps, sample[-1])
    return (sample[0],)


def _width(facts: DataFacts, current: int | None) -> int:
    if facts.task == "classification":
        return 1 if current == 1 and facts.classes == 2 else facts.classes
    if facts.task == "regression":
        return facts.target_width
    return facts.vocab


def _source(network: Network, node: Node) -> Node | None:
    edges = network.edges_into(node.id)
    return network.nodes[edges[0].src] if len(edges) == 1 else None


def _output_edits(network: Network, report: NetworkReport, shape: tuple, role: str) -> tuple[list[ParamEdit], str]:
    """Edits so the network's first Output gives `shape`: the Linear (and Reshape) that feed it."""
    outputs = [n for n in network.output_nodes() if network.edges_into(n.id)]
    if not outputs:
        return [], f"network '{network.name}' has no connected Output"
    edits: list[ParamEdit] = []
    node = _source(network, outputs[0])
    wanted = shape
    while node is not None:
        if node.type == "Linear":
            width = wanted[-1]
            if node.params.get("out_features") != width:
                edits.append(
                    ParamEdit(
                        network.name, node.id, node.name, "out_features", node.params.get("out_features"), width, role
                    )
                )
            return edits, ""
        if node.type == "Reshape":
            if tuple(node.params.get("shape", ())) != tuple(wanted):
                edits.append(
                    ParamEdit(
                        network.name,
                        node.id,
                        node.name,
                        "shape",
                        tuple(node.params.get("shape", ())),
                        tuple(wanted),
                        role,
                    )
                )
            wanted = (math.prod(wanted),)
        elif node.type not in PASS_THROUGH:
            break
        node = _source(network, node)
    where = f"'{node.name}' ({node.type})" if node is not None else "its last layer"
    return edits, f"{network.name}: set {where} to give {format_shape(tuple(shape))} yourself"


def _image_output_edits(
    network: Network, report: NetworkReport, shape: tuple, role: str
) -> tuple[list[ParamEdit], str]:
    """Edits so a network that draws images (a GAN's generator) ends in `shape` = (C, H, W).

    Walks back from the Output: the last convolution gets C channels; size-keeping layers
    pass (H, W) on, an Upsample (or a convolution that grows its input by a whole factor)
    divides it; the Reshape that starts the maps takes the size left, and the Linear before
    it the number of values that Reshape needs.
    """
    outputs = [n for n in network.output_nodes() if network.edges_into(n.id)]
    if not outputs:
        return [], f"network '{network.name}' has no connected Output"
    edits: list[ParamEdit] = []
    channels, height, width = shape
    node = _source(network, outputs[0])
    channels_set = False

    def edit(target: Node, param: str, value: Any) -> None:
        old = target.params.get(param)
        old = tuple(old) if isinstance(old, list) else old
        if old != value:
            edits.append(ParamEdit(network.name, target.id, target.name, param, old, value, role))

    while node is not None:
        result = report.nodes.get(node.id)
        if node.type in ("Conv2d", "ConvTranspose2d") and result is not None and result.outputs:
            if not channels_set:
                edit(node, "out_channels", channels)
                channels_set = True
            inner = result.inputs.get("x", [None])[0]
            outer = next(iter(result.outputs.values()))
            if inner is None or outer is None or outer[1] % inner[1] or outer[2] % inner[2]:
                break
            factor = (outer[1] // inner[1], outer[2] // inner[2])
            if height % factor[0] or width % factor[1]:
                break
            height, width = height // factor[0], width // factor[1]
        elif node.type == "Upsample":
            scale = node.params.get("scale_factor", 2)
            if height % scale or width % scale:
                break
            height, width = height // scale, width // scale
        elif node.type == "Reshape":
            current = tuple(node.params.get("shape", ()))
            if len(current) != 3:
                break
            if not channels_set:  # a dense decoder: the Reshape makes the whole picture
                return _output_edits(network, report, shape, role)
            edit(node, "shape", (current[0], height, width))
            feeder = _source(network, node)
            if feeder is not None and feeder.type == "Linear":
                edit(feeder, "out_features", current[0] * height * width)
            return edits, ""
        elif node.type not in PASS_THROUGH and node.type != "BatchNorm2d":
            break
        node = _source(network, node)
    where = f"'{node.name}' ({node.type})" if node is not None else "its last layer"
    return edits, f"{network.name}: set {where} to give {format_shape(tuple(shape))} yourself"


def _growth(network: Network) -> int:
    """How many times an image-drawing network enlarges its maps on the way out (its Upsamples)."""
    factor = 1
    for node in network.nodes.values():
        if node.type == "Upsample":
            factor *= int(node.params.get("scale_factor", 2))
    return factor


def _input_edits(network: Network, node: Node, shape: tuple) -> list[ParamEdit]:
    edits = []
    if tuple(node.params["shape"]) != tuple(shape):
        edits.append(
            ParamEdit(network.name, node.id, node.name, "shape", tuple(node.params["shape"]), tuple(shape), "input")
        )
    return edits


def _sequence_edits(network: Network, facts: DataFacts, steps: int) -> list[ParamEdit]:
    """Token models: Embeddings that can hold the vocabulary, RepeatVectors as long as the sequence."""
    edits = []
    for other in network.nodes.values():
        size = other.params.get("num_embeddings")
        if other.type == "Embedding" and isinstance(size, int) and size < facts.vocab:
            edits.append(ParamEdit(network.name, other.id, other.name, "num_embeddings", size, facts.vocab, "output"))
        times = other.params.get("times")
        if other.type == "RepeatVector" and times != steps:
            edits.append(ParamEdit(network.name, other.id, other.name, "times", times, steps, "input"))
    return edits


def _base_size(project: Project, node: Node) -> tuple[int, int] | None:
    """A preset's default image size, measured from when the network came from a preset."""
    from graph.presets import PRESETS

    preset = PRESETS.get(project.preset)
    option = preset.option("image_size") if preset else None
    if option is None or len(tuple(node.params["shape"])) < 2:
        return None
    return (option.default, option.default)


def _training(project: Project, facts: DataFacts, generative: bool) -> dict[str, Any]:
    if generative:
        return {}
    changes = {}
    if project.training.get("task") not in ("auto", facts.task):
        changes["task"] = facts.task
        if project.training.get("loss") != "auto":
            changes["loss"] = "auto"  # the loss chosen for the old task may not fit the new one
    return changes


def _options(project: Project, facts: DataFacts, shape: tuple, width: int | None, given: dict) -> dict[str, Any]:
    """The options of the project's preset that build the fitted network (those the user did not give)."""
    from graph.presets import PRESETS

    preset = PRESETS.get(project.preset)
    options: dict[str, Any] = {}
    if facts.kind == "image" and len(shape) == 3:
        options.update(in_channels=shape[0], image_size=shape[1])
    if len(shape) == 1 and facts.kind != "tokens":
        options["in_features"] = shape[0]
    if facts.kind in ("series", "tokens"):
        options["seq_len"] = shape[0]
    if width is not None and facts.task != "regression":
        options["num_classes" if facts.task == "classification" else "vocab_size"] = width
    if preset is None:
        return {}
    current = preset.coerce_options(given)
    return {k: v for k, v in options.items() if k not in given and preset.option(k) and current[k] != v}


def fit_network(project: Project, facts: DataFacts, preset_options: dict[str, Any] | None = None) -> NetworkFit:
    """The edits that make `project`'s network(s) take the data described by `facts`.

    Args:
        project: the project (one network, or a VAE's encoder/decoder, or a GAN's generator/discriminator).
        facts: the data set.
        preset_options: when `project` was just built from its preset with these options, the
            result also holds ``options``: the other options that build it fitted. Edits on the
            side of the network an option the user gave decides (input or output) are left out.

    Raises:
        FitError: the network cannot take this kind of data (the message names presets that can).
    """
    if facts.kind not in DATA_KINDS:
        raise FitError(f"{facts.name}: unknown kind of data {facts.kind!r}")
    names = set(project.networks)
    generative = {"encoder", "decoder"} <= names or {"generator", "discriminator"} <= names
    taker = project.networks["encoder" if "encoder" in names else "discriminator"] if generative else project.main
    report = validate_network(taker, project.blocks)
    node = _data_input(taker, report)
    if not _takes(input_kind(node), facts.kind) or (generative and facts.kind != "image"):
        raise _refuse(taker, node, facts)
    shape = _input_shape(node, facts, _base_size(project, node))
    maker = project.networks["decoder" if "decoder" in names else "generator"] if generative else None
    if maker is not None and len(shape) == 3:
        # the generator must be able to draw that size: a whole number of its growth steps
        step = _growth(maker)
        shape = (shape[0], *(max(step, round(size / step) * step) for size in shape[1:]))
    fit = NetworkFit(training=_training(project, facts, generative))
    fit.edits += _input_edits(taker, node, shape)
    width = None
    if generative:
        maker_report = validate_network(maker, project.blocks)
        maker_shape = next(iter(maker_report.output_shapes(maker).values()), None)
        draws_maps = maker_shape is not None and len(maker_shape) == 3 and len(shape) == 3
        rule = _image_output_edits if draws_maps else _output_edits
        edits, note = rule(maker, maker_report, shape, "input")
        fit.edits += edits
    else:
        current = report.output_shapes(taker)
        first = next(iter(current.values()), None) if current else None
        width = _width(facts, first[-1] if first else None)
        wanted = (shape[0], width) if facts.task == "sequence" else (width,)
        edits, note = _output_edits(taker, report, wanted, "output")
        fit.edits += edits
        if facts.kind == "tokens":
            fit.edits += _sequence_edits(taker, facts, shape[0])
    if note:
        fit.notes.append(note)
    if preset_options is not None:
        fit.options = _options(project, facts, shape, width, preset_options)
        fixed = {OPTION_ROLES[name] for name in preset_options if name in OPTION_ROLES}
        fit.edits = [edit for edit in fit.edits if edit.role not in fixed]
    return fit


def apply_fit(project: Project, fit: NetworkFit) -> None:
    """Make the changes of `fit` on `project` (the GUI does the same through one undoable command)."""
    for edit in fit.edits:
        project.networks[edit.network].set_param(edit.node_id, edit.param, edit.new)
    for name, value in fit.training.items():
        project.set_training(name, value)


def refit_preset(project: Project, options: dict[str, Any], facts: DataFacts) -> tuple[Project, list[str]]:
    """`project`, just built from its preset with `options`, built again so it takes the data of `facts`.

    The options the data decides (channels, image size, classes ...) are given to the
    preset's builder, so the network is drawn for the data rather than edited after;
    what is left is fitted by edits. `project`'s training settings are kept.

    Args:
        project: built by ``build_preset(project.preset, options)``.
        options: the options the user gave (they win over the data).
        facts: the data set.

    Returns:
        The fitted project and what fitting changed, in words (``option=value`` and `NetworkFit.describe` lines).

    Raises:
        FitError: the preset cannot take this kind of data.
        graph.presets.PresetError: the fitted options do not build.
    """
    from graph.presets import build_preset

    planned = fit_network(project, facts, preset_options=options)
    fitted = build_preset(project.preset, {**options, **planned.options})
    fitted.training = dict(project.training)
    rest = fit_network(fitted, facts, preset_options=options)
    apply_fit(fitted, rest)
    return fitted, [f"{key}={value}" for key, value in planned.options.items()] + rest.describe()
