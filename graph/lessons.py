"""The course as lessons: what each one says, what to watch, and its experiment, as plain data.

`LESSONS` follows the course sheet's sections in order (`Lesson.section` names the
sheet's heading). A lesson holds one or more experiments, each of which the app
runs with one button and ``backend.lessons.run`` runs headless:

* `TrainRun`: open a project, train it, then show pictures of the trained model
  (`Picture` kinds such as first-layer filters or LSTM gates).
* `Comparison`: the same project trained once per `Variant`, curves overlaid.
* `Show`: a picture that needs no training (activation curves, optimizer paths).
* `Tour`: several projects opened side by side to compare their size.

What a lesson opens is a `ProjectSpec`: a gallery preset (or a lesson network from
`LESSON_NETWORKS`) with options and training settings. A comparison's `Variant`
says what one value changes. Structure and settings are kept apart on purpose:

* ``training``: settings only (``optimizer``, ``batch_size``, ``loss``, ...). The
  network and its initial weights stay the same, so these runs differ by the
  setting alone.
* ``options`` / ``preset``: the network itself changes (``activation``,
  ``dropout``, ``residual``, RNN against LSTM), so the project is rebuilt from
  the preset with those options; `Variant.changes_network` tells the two apart.

Everything here is checked by `open_project` (unknown presets, options and
settings raise `LessonError`), and the tests open every experiment's project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.lesson_networks import DEEP_MLP
from graph.params import ParamError
from graph.presets import PRESETS, Preset, build_preset
from graph.project import Project
from graph.training_config import coerce_training_value
from graph.validation import validate_project

LESSON_NETWORKS: dict[str, Preset] = {DEEP_MLP.name: DEEP_MLP}

# What a picture shows; ``backend.lessons.run`` computes each kind.
PICTURES = (
    "activation_curves",  # params: names, low, high
    "optimizer_paths",  # params: surface, steps, runs {label: {optimizer, lr, ...}}
    "filters",  # params: node (default: the first Conv2d)
    "feature_maps",  # params: node (default: the first Conv2d), sample (index into the validation data)
    "lstm_gates",  # params: node, sample
    "sequence_examples",  # params: count
    "latent_map",  # params: points, span (a VAE with latent_dim=2)
    "latent_traversal",  # params: steps, span
    "samples_by_epoch",  # the generated samples from fixed noise, one grid per epoch
)


class LessonError(ParamError):
    """A lesson that names an unknown preset, option or setting; one line."""


@dataclass(frozen=True)
class ProjectSpec:
    """A project a lesson opens: `preset` (gallery or `LESSON_NETWORKS`) with `options` and `training` settings."""

    preset: str
    options: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    """One value of a comparison: its `label` and what it changes in the comparison's project.

    ``training`` changes settings only; ``preset`` / ``options`` rebuild the network.
    """

    label: str
    training: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    preset: str | None = None

    @property
    def changes_network(self) -> bool:
        return bool(self.options) or self.preset is not None


@dataclass(frozen=True)
class Picture:
    """A picture of `kind` (one of `PICTURES`) with its parameters."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainRun:
    """Train `project`, then show `pictures` of the trained model."""

    title: str
    watch: str
    project: ProjectSpec
    pictures: tuple[Picture, ...] = ()
    kind: str = "train"


@dataclass(frozen=True)
class Comparison:
    """Train `project` once per variant; overlay each run's `metric` per epoch.

    `setting` names what varies (a training setting or a preset option).
    """

    title: str
    watch: str
    project: ProjectSpec
    setting: str
    variants: tuple[Variant, ...]
    metric: str = "val_loss"
    kind: str = "compare"


@dataclass(frozen=True)
class Show:
    """A picture that needs no training."""

    title: str
    watch: str
    picture: Picture
    kind: str = "show"


@dataclass(frozen=True)
class Tour:
    """Open several projects side by side (labels and specs) to compare their layers and sizes."""

    title: str
    watch: str
    projects: tuple[tuple[str, ProjectSpec], ...]
    kind: str = "tour"


Experiment = TrainRun | Comparison | Show | Tour


@dataclass(frozen=True)
class Lesson:
    """One section of the course.

    Attributes:
        id: a stable identifier (``neurons``, ``gan``).
        title: what the Lessons panel lists.
        section: the course sheet's heading(s) it teaches, ``Part > Heading``.
        text: a few sentences in NetCanvas's own words.
        watch: what to look at while it runs.
        experiments: what its buttons run, in order.
    """

    id: str
    title: str
    section: str
    text: str
    watch: str
    experiments: tuple[Experiment, ...]


def open_project(spec: ProjectSpec, variant: Variant | None = None) -> Project:
    """The project `spec` describes, with `variant`'s changes; checked and valid.

    Raises:
        LessonError: an unknown preset, option or training setting, or a network with errors.
    """
    preset = variant.preset if variant is not None and variant.preset else spec.preset
    options = {**spec.options, **(variant.options if variant is not None else {})}
    training = {**spec.training, **(variant.training if variant is not None else {})}
    try:
        if preset in LESSON_NETWORKS:
            builder = LESSON_NETWORKS[preset]
            project = builder.build(builder.coerce_options(options))
        elif preset in PRESETS:
            project = build_preset(preset, options)
        else:
            known = ", ".join([*PRESETS, *LESSON_NETWORKS])
            raise LessonError(f"unknown preset {preset!r} (known: {known})")
        for name, value in training.items():
            project.training[name] = coerce_training_value(name, value)
    except ParamError as error:
        raise LessonError(str(error)) from None
    for report in validate_project(project).values():
        if report.errors:
            raise LessonError(f"{preset}: {report.errors[0].message}")
    return project


def lesson(lesson_id: str) -> Lesson:
    """The lesson with id `lesson_id`; raises `LessonError` if there is none."""
    for item in LESSONS:
        if item.id == lesson_id:
            return item
    raise LessonError(f"unknown lesson {lesson_id!r} (known: {', '.join(item.id for item in LESSONS)})")


# -- the catalogue ------------------------------------------------------------------------------------------
MLP = ProjectSpec("mlp")
SMALL_TRAINING = {"val_split": 0.85}  # 270 training digits: enough to learn, few enough to overfit
OPTIMIZER_SETTINGS = {  # a learning rate that suits each optimizer on the digits MLP
    "sgd": {"optimizer": "sgd", "lr": 0.03},
    "momentum": {"optimizer": "momentum", "lr": 0.03, "momentum": 0.9},
    "momentum_ema": {"optimizer": "momentum_ema", "lr": 0.3, "momentum": 0.9},  # the same steps as "momentum"
    "adagrad": {"optimizer": "adagrad", "lr": 0.03},
    "rmsprop": {"optimizer": "rmsprop", "lr": 1e-3, "momentum": 0.99},
    "adam": {"optimizer": "adam", "lr": 1e-3},
}
PATH_SETTINGS = {  # the same optimizers on the 2-D valley, where the steepest side allows lr < 1
    "sgd": {"optimizer": "sgd", "lr": 0.9},
    "momentum": {"optimizer": "momentum", "lr": 0.2, "momentum": 0.9},
    "momentum_ema": {"optimizer": "momentum_ema", "lr": 2.0, "momentum": 0.9},
    "adagrad": {"optimizer": "adagrad", "lr": 1.0},
    "rmsprop": {"optimizer": "rmsprop", "lr": 0.3, "momentum": 0.9},
    "adam": {"optimizer": "adam", "lr": 0.5},
}


def _on_off(setting: str, off: Any, on: Any, where: str = "options") -> tuple[Variant, ...]:
    return (Variant(f"{setting} off", **{where: {setting: off}}), Variant(f"{setting} on", **{where: {setting: on}}))


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="neurons",
        title="Neurons and activation functions",
        section="Artificial Neural Networks > Neurons",
        text="A neuron weighs each of its inputs, adds the results and a bias, and passes the sum through an "
        "activation function. Without that bend, any stack of layers would still compute one straight-line "
        "(linear) map. The activation also decides how much of the error flows back through the neuron: "
        "training moves a weight in proportion to the activation's slope.",
        watch="The slope panel: sigmoid's slope is at most 0.25 and fades to zero for large inputs, tanh's "
        "reaches 1 at zero, ReLU's is exactly 1 for every positive input. Then see which activation lets the "
        "same three-layer network learn fastest with plain gradient descent.",
        experiments=(
            Show(
                "Activation functions and their slopes",
                "Each curve next to its derivative, as autograd computes it.",
                Picture("activation_curves", {"names": ["sigmoid", "tanh", "relu"], "low": -5.0, "high": 5.0}),
            ),
            Comparison(
                "One MLP, three activations",
                "Validation loss per epoch; sigmoid falls slowest because its small slope shrinks every gradient.",
                ProjectSpec("mlp", {"hidden_sizes": (64, 64, 64)}, {"optimizer": "sgd", "lr": 0.1, "epochs": 20}),
                "activation",
                tuple(Variant(name, options={"activation": name}) for name in ("sigmoid", "tanh", "relu")),
            ),
        ),
    ),
    Lesson(
        id="feedforward",
        title="A feedforward network learns by backpropagation",
        section="Artificial Neural Networks > Feedforward Network",
        text="Data enters at the input layer, passes through hidden layers that each compute weighted sums and "
        "activations, and leaves through the output layer, one score per class. Training repeats four steps: "
        "a forward pass, the loss, the gradients of the loss with respect to every weight by the chain rule "
        "(backpropagation), and a small step of every weight against its gradient.",
        watch="The shapes on the edges (64 pixels in, 10 scores out), each layer's parameter count "
        "(inputs x outputs + biases), and the loss falling as the steps accumulate.",
        experiments=(
            TrainRun(
                "Train the MLP on the digits",
                "Training and validation loss per epoch, and the validation accuracy.",
                MLP,
            ),
        ),
    ),
    Lesson(
        id="losses",
        title="Loss functions: squared error against cross-entropy",
        section="Artificial Neural Networks > Loss Functions",
        text="The loss turns 'how wrong' into one number to minimise. Mean squared error averages the squared "
        "differences and suits predicting quantities. Cross-entropy scores the probability the network gives "
        "the right class and suits classification: it punishes a confident wrong answer hard, so its "
        "gradients stay large exactly where the network is most wrong.",
        watch="Validation accuracy per epoch for the same classifier trained with each loss: cross-entropy "
        "usually gets there in fewer epochs.",
        experiments=(
            Comparison(
                "MSE against cross-entropy on one classifier",
                "Accuracy per epoch (MSE compares the scores with one-hot targets).",
                ProjectSpec("mlp", training={"optimizer": "sgd", "lr": 0.1, "epochs": 15}),
                "loss",
                (Variant("mse", {"loss": "mse"}), Variant("cross_entropy", {"loss": "cross_entropy"})),
                metric="val_accuracy",
            ),
        ),
    ),
    Lesson(
        id="gradient_descent",
        title="Batch, stochastic and mini-batch gradient descent",
        section="Artificial Neural Networks > Optimization",
        text="Gradient descent moves every weight a little against the gradient of the loss. Computed over the "
        "whole training set (batch), each step is exact but there is one step per epoch. Computed on one sample "
        "(stochastic), there are as many steps as samples, each one noisy. Mini-batches of a few dozen samples "
        "sit in between: many steps per epoch, each fairly reliable, and fast on parallel hardware.",
        watch="Training loss per epoch: one full-batch step per epoch barely moves, one-sample steps race ahead "
        "but jitter, mini-batches of 32 are smooth and quick.",
        experiments=(
            Comparison(
                "Full batch, one sample, 32 samples",
                "Training loss per epoch with plain SGD at the same learning rate.",
                ProjectSpec("mlp", training={"optimizer": "sgd", "lr": 0.05, "epochs": 10}),
                "batch_size",
                (
                    Variant("full", {"batch_size": "full"}),
                    Variant("1", {"batch_size": "1"}),
                    Variant("32", {"batch_size": "32"}),
                ),
                metric="train_loss",
            ),
        ),
    ),
    Lesson(
        id="optimizers",
        title="Momentum, Adagrad, RMSprop and Adam",
        section="Artificial Neural Networks > Optimization",
        text="Plain gradient descent zigzags down narrow valleys: the steep side sets how small the steps must "
        "be, and progress along the gentle floor is slow. Momentum keeps a running average of past gradients so "
        "the zigzags cancel and the steady direction builds up speed. Adagrad and RMSprop divide each weight's "
        "step by the size of its recent gradients, so steep and flat directions get similar steps. Adam does both.",
        watch="The paths on the valley: SGD bounces from wall to wall, momentum sweeps along the floor, the "
        "adaptive methods head straight for the middle. NetCanvas's 'momentum' is PyTorch's form v = mu*v + g; "
        "'momentum_ema' is the course's v = beta*v + (1-beta)*g: with lr ten times larger it takes the very "
        "same path. Then the same six optimizers on the digits MLP.",
        experiments=(
            Show(
                "Optimizer paths on a narrow valley",
                "100 steps of each optimizer from the same start; the minimum is at the centre.",
                Picture("optimizer_paths", {"surface": "valley", "steps": 100, "runs": PATH_SETTINGS}),
            ),
            Comparison(
                "Six optimizers on the digits MLP",
                "Validation loss per epoch, each optimizer with a learning rate that suits it.",
                ProjectSpec("mlp", training={"epochs": 15}),
                "optimizer",
                tuple(Variant(label, settings) for label, settings in OPTIMIZER_SETTINGS.items()),
            ),
        ),
    ),
    Lesson(
        id="regularization",
        title="Regularisation: dropout, batch norm, early stopping, augmentation",
        section="Artificial Neural Networks > Regularization",
        text="A network with many weights can memorise a small training set and then fail on new data: the "
        "training loss keeps falling while the validation loss turns up. Dropout switches random neurons off "
        "while training so no single one can be relied on; batch normalisation keeps each layer's inputs "
        "centred and scaled so deep stacks train quickly; early stopping ends training when validation stops "
        "improving; augmentation shows each image slightly turned or scaled so the network learns the digit, "
        "not the picture. These runs train on only 270 digits so the gap is easy to see.",
        watch="The gap between training and validation loss in each pair, and where early stopping ends.",
        experiments=(
            Comparison(
                "Dropout off and on",
                "Training against validation loss: without dropout the training loss drops to almost nothing while "
                "the validation loss turns up again; with dropout the two stay closer.",
                ProjectSpec("mlp", {"hidden_sizes": (256, 256)}, {**SMALL_TRAINING, "epochs": 60}),
                "dropout",
                _on_off("dropout", 0.0, 0.5),
            ),
            Comparison(
                "Batch normalisation off and on",
                "Validation loss of a ten-layer sigmoid network: with batch norm it learns at all.",
                ProjectSpec("deep_mlp", {"depth": 10, "activation": "sigmoid"}, {"epochs": 15}),
                "batch_norm",
                _on_off("batch_norm", False, True),
            ),
            Comparison(
                "Early stopping off and on",
                "With a patience of 5 epochs the run ends soon after the validation loss bottoms out, and keeps "
                "the best weights.",
                ProjectSpec("mlp", {"hidden_sizes": (256, 256)}, {**SMALL_TRAINING, "epochs": 80}),
                "early_stopping",
                _on_off("early_stopping", 0, 5, where="training"),
            ),
            Comparison(
                "Augmentation off and on",
                "Validation accuracy of LeNet-5 with and without small random rotations and zooms; with them the "
                "training loss stays higher (each epoch shows new variants) and validation ends as good or better.",
                ProjectSpec("lenet5", training={**SMALL_TRAINING, "epochs": 30}),
                "augment",
                _on_off("augment", "", "rotate,scale", where="training"),
                metric="val_accuracy",
            ),
        ),
    ),
    Lesson(
        id="convolution",
        title="Convolutions: filters and feature maps",
        section="Convolutional Neural Networks > Architecture",
        text="A convolution slides a small grid of weights, a filter, over the image and writes at each place "
        "how well the patch under it matches: a feature map per filter. The same few weights are used "
        "everywhere, so a stroke is found wherever it is. Stride and padding set how far the filter moves and "
        "how the border is treated; pooling then shrinks each map, keeping the strongest or average response.",
        watch="After training, the first layer's 5x5 filters and what each one picks out of the same digit: "
        "some light up on vertical strokes, some on edges of one side, some on the background.",
        experiments=(
            TrainRun(
                "Train LeNet-5, then look inside",
                "The filters of conv1 and the feature maps of conv1 and conv2 for one validation digit.",
                ProjectSpec("lenet5"),
                (
                    Picture("filters", {"node": "conv1"}),
                    Picture("feature_maps", {"node": "conv1", "sample": 0}),
                    Picture("feature_maps", {"node": "conv2", "sample": 0}),
                ),
            ),
        ),
    ),
    Lesson(
        id="cnn_architectures",
        title="LeNet-5, AlexNet, VGG and ResNet",
        section="Convolutional Neural Networks > LeNet",
        text="The classic CNNs share one plan: convolutions and pooling that trade image size for channels, "
        "then dense layers that classify. LeNet-5 read 32x32 digits with two convolutions; AlexNet scaled the "
        "plan to ImageNet with ReLU, dropout and large first filters; VGG used only 3x3 convolutions stacked "
        "deep; ResNet went deeper still with shortcuts (next lesson). Each step up multiplied the number of weights.",
        watch="How the image shrinks and the channels grow along each network, and the parameter counts: "
        "from about sixty thousand to over a hundred million.",
        experiments=(
            Tour(
                "Four classic CNNs side by side",
                "Open each one; compare the shapes on the edges and the total parameters.",
                (
                    ("LeNet-5", ProjectSpec("lenet5")),
                    ("AlexNet", ProjectSpec("alexnet")),
                    ("VGG-16", ProjectSpec("vgg")),
                    ("ResNet-18", ProjectSpec("resnet")),
                ),
            ),
        ),
    ),
    Lesson(
        id="residual",
        title="Residual connections: why ResNet can be deep",
        section="Convolutional Neural Networks > ResNet",
        text="Stacking more layers should never hurt, since extra layers could just pass their input on, yet "
        "plain deep networks train worse than shallow ones: the signal and its gradient fade through every "
        "layer. A residual block adds its input to its output, so each layer only learns a correction and the "
        "gradient has a direct path back through the additions.",
        watch="Two networks of the same twenty hidden layers: the plain one's loss hardly moves at first, the "
        "one with shortcuts trains like a shallow network.",
        experiments=(
            Comparison(
                "Twenty layers, without and with shortcuts",
                "Validation loss per epoch.",
                ProjectSpec("deep_mlp", {"depth": 20}, {"epochs": 10}),
                "residual",
                _on_off("residual", False, True),
            ),
        ),
    ),
    Lesson(
        id="recurrent",
        title="RNN, LSTM and GRU on a sine wave",
        section="Recurrent Neural Networks > RNN",
        text="A recurrent layer reads a sequence one step at a time and carries a hidden state from step to "
        "step, using the same weights at every step. The plain RNN squashes its state through tanh at each step, "
        "so old information fades; the LSTM and GRU add gates that decide what to keep, which lets information "
        "and gradients survive many steps.",
        watch="Validation loss of the three cells forecasting the next value of a sine wave from 32 steps. On a "
        "signal this smooth and short all three do well; compare their parameter counts: the GRU has three and "
        "the LSTM four times the weights of the plain RNN, for gates that pay off on longer memories.",
        experiments=(
            Comparison(
                "Three recurrent cells",
                "Validation loss per epoch.",
                ProjectSpec("rnn", training={"epochs": 10}),
                "cell",
                (Variant("RNN", preset="rnn"), Variant("LSTM", preset="lstm"), Variant("GRU", preset="gru")),
            ),
        ),
    ),
    Lesson(
        id="lstm",
        title="Inside an LSTM: its gates over a sequence",
        section="Recurrent Neural Networks > LSTM",
        text="An LSTM keeps a cell state next to its hidden state. At each step the forget gate chooses how much "
        "of the old cell state to keep, the input gate how much of a new candidate to write, and the output gate "
        "how much of the cell to show as the hidden state. Each gate is a sigmoid between 0 (shut) and 1 (open).",
        watch="After training, the four gate activations of each hidden unit over one input window, next to "
        "the sine wave it reads.",
        experiments=(
            TrainRun(
                "Train the LSTM, then watch its gates",
                "Input, forget, cell-candidate and output activations, step by step.",
                ProjectSpec("lstm", training={"epochs": 10}),
                (Picture("lstm_gates", {"node": "lstm", "sample": 0}),),
            ),
        ),
    ),
    Lesson(
        id="seq2seq",
        title="Sequence to sequence: reversing a sequence",
        section="Recurrent Neural Networks > Sequence to Sequence",
        text="An encoder reads the whole input sequence into one summary vector; a decoder starts from that "
        "summary and writes the output sequence one token at a time. Here the task is to write the input "
        "backwards, which needs the whole input before the first output token.",
        watch="Input, wanted output and the network's output for a few held-out sequences as training goes on, "
        "and the per-token accuracy.",
        experiments=(
            TrainRun(
                "Train the encoder-decoder on reversal",
                "Held-out examples after training: input, target and output.",
                ProjectSpec("seq2seq"),
                (Picture("sequence_examples", {"count": 8}),),
            ),
        ),
    ),
    Lesson(
        id="vae",
        title="Variational autoencoder",
        section="Generative Models > VAE",
        text="A VAE's encoder maps each image not to one code but to a small cloud of codes (a mean and a "
        "variance); a code drawn from that cloud must let the decoder rebuild the image. The KL term keeps "
        "every cloud close to a standard normal, so the whole code space is filled with codes that decode to "
        "plausible digits, and new digits come from random codes.",
        watch="With a two-number code the whole code space fits on one page: the latent map shows the digits "
        "blending into one another. With 16 numbers, each row of the traversal changes one of them.",
        experiments=(
            TrainRun(
                "A VAE with a 2-D code: its latent map",
                "Samples, reconstructions, and the decoder over a grid of codes from -2.5 to 2.5.",
                ProjectSpec("vae", {"latent_dim": 2}),
                (Picture("latent_map", {"points": 15, "span": 2.5}),),
            ),
            TrainRun(
                "The default VAE: one code number at a time",
                "Each row moves one code number from -2.5 to 2.5 with the others at 0.",
                ProjectSpec("vae"),
                (Picture("latent_traversal", {"steps": 9, "span": 2.5}),),
            ),
        ),
    ),
    Lesson(
        id="gan",
        title="Generative adversarial network",
        section="Generative Models > GAN",
        text="Two networks play against each other. The generator turns random noise into an image; the "
        "discriminator scores images as real or generated. The discriminator learns from both kinds, the "
        "generator learns from the discriminator's verdict on its own images, and as each improves the other "
        "has to as well, until generated digits are hard to tell from real ones.",
        watch="The same 16 noise vectors drawn again after every epoch: blobs become strokes, then digits. "
        "d_loss and g_loss trade places rather than both falling.",
        experiments=(
            TrainRun(
                "Train the DCGAN on the digits",
                "Generated digits from fixed noise, epoch by epoch.",
                ProjectSpec("gan"),
                (Picture("samples_by_epoch"),),
            ),
        ),
    ),
)
