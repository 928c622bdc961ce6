"""Turning a project and its settings into a plan for a run, with one-line errors.

Decides the task (``auto``: a VAE or GAN by its network names, else from the data
set), finds the network whose Input the data must fit, reads the Outputs' names
and shapes from validation, opens the data set (without reading its samples when
they are streamed) and decides how it fits, the loss and the batch size
(`plan_run`). Nothing here trains or touches the device; the engine and the
script exporter both start from a `RunPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.data import NetworkFacts, SourceSpec, class_count, dataset_spec, fit_for
from backend.plan.fit import SampleFit
from backend.plan.split import split_indices
from backend.training.losses import resolve_loss
from graph.network import Network
from graph.params import ParamError
from graph.project import Project
from graph.training_config import coerce_training_config, coerce_training_value, parse_batch_size
from graph.validation import NetworkReport, validate_project

VAE_NETWORKS = ("encoder", "decoder")
GAN_NETWORKS = ("generator", "discriminator")
VAE_OR_GAN = {"vae": "encoder and decoder", "gan": "generator and discriminator"}


class TrainingSetupError(ValueError):
    """A training setup that cannot run: bad settings, data, loss, device or network. One line."""


@dataclass
class NetworkInfo:
    """A validated network: its report and its Outputs in the order forward returns them."""

    network: Network
    report: NetworkReport
    outputs: list[str]
    output_shapes: dict[str, tuple | None]


def resolve_config(training: dict, overrides: dict | None) -> dict:
    """The project's training settings with `overrides` applied, every value checked."""
    try:
        config = coerce_training_config(dict(training))
        for name, value in (overrides or {}).items():
            config[name] = coerce_training_value(name, value)
    except ParamError as error:
        raise TrainingSetupError(str(error)) from None
    return config


def structural_task(project: Project) -> str | None:
    """``vae`` or ``gan`` when the project's networks follow those conventions, else None."""
    names = set(project.networks)
    if set(VAE_NETWORKS) <= names:
        return "vae"
    if set(GAN_NETWORKS) <= names:
        return "gan"
    return None


def check_networks(project: Project) -> dict[str, NetworkInfo]:
    """Validate every network; raise `TrainingSetupError` with the first error (and how many more)."""
    if not project.networks:
        raise TrainingSetupError("the project has no network to train")
    infos = {}
    reports = validate_project(project)
    errors = [problem for report in reports.values() for problem in report.errors]
    if errors:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise TrainingSetupError(f"the network has errors, fix them first: {errors[0].line()}{more}")
    for name, network in project.networks.items():
        report = reports[name]
        outputs = [n.name for n in network.output_nodes() if network.edges_into(n.id)]
        if not outputs:
            raise TrainingSetupError(f"network '{name}' has no connected Output")
        shapes = report.output_shapes(network)
        infos[name] = NetworkInfo(network, report, outputs, {k: _tuple(v) for k, v in shapes.items()})
    return infos


def _tuple(shape) -> tuple | None:
    return None if shape is None else tuple(shape)


def network_facts(info: NetworkInfo, output_shape: tuple | None = None) -> NetworkFacts:
    """Input/Output facts of a network with exactly one Input."""
    network = info.network
    inputs = [n for n in network.input_nodes() if n.id in info.report.live]
    if len(inputs) != 1:
        raise TrainingSetupError(
            f"network '{network.name}' has {len(inputs)} connected Inputs; training feeds exactly one"
        )
    node = inputs[0]
    vocabs = [
        network.nodes[e.dst].params.get("num_embeddings")
        for e in network.edges_from(node.id)
        if network.nodes[e.dst].type == "Embedding"
    ]
    vocabs = [v for v in vocabs if isinstance(v, int)]
    if output_shape is None:
        output_shape = info.output_shapes.get(info.outputs[0])
    return NetworkFacts(
        input_name=node.name,
        input_shape=tuple(node.params["shape"]),
        input_dtype=node.params.get("dtype", "float32"),
        output_shape=output_shape,
        vocab=min(vocabs) if vocabs else 0,
    )


def require_outputs(info: NetworkInfo, names: tuple[str, ...], role: str) -> None:
    missing = [n for n in names if n not in info.outputs]
    if missing:
        raise TrainingSetupError(
            f"the {role} network '{info.network.name}' needs Outputs named {', '.join(names)}; "
            f"missing: {', '.join(missing)} (has: {', '.join(info.outputs)})"
        )


@dataclass
class RunPlan:
    """What a run is, decided before any sample is prepared or any weight is made.

    Attributes:
        config: the checked training settings.
        task: classification, regression, sequence, vae or gan.
        infos: every network, validated.
        facts: the Input/Output the data must fit (the encoder's or discriminator's for a VAE or GAN).
        spec, source: the reader call for the data set and what it returned.
        fit: how samples become the Input.
        loss: the resolved loss.
        batch_size: samples per step.
        noise_shape: GAN: the generator's Input. latent_shape: VAE: the decoder's Input.
    """

    config: dict
    task: str
    infos: dict[str, NetworkInfo]
    facts: NetworkFacts
    spec: SourceSpec
    source: object
    fit: SampleFit
    loss: str
    batch_size: int
    noise_shape: tuple | None = None
    latent_shape: tuple | None = None

    @property
    def outputs(self) -> dict[str, list[str]]:
        return {name: info.outputs for name, info in self.infos.items()}


def _main_facts(infos: dict[str, NetworkInfo], task: str) -> NetworkFacts:
    if task == "vae":
        require_outputs(infos["encoder"], ("z", "mu", "logvar"), "VAE encoder")
        decoder_out = infos["decoder"].output_shapes[infos["decoder"].outputs[0]]
        return network_facts(infos["encoder"], decoder_out)
    if task == "gan":
        return network_facts(infos["discriminator"])
    if len(infos) > 1:
        raise TrainingSetupError(
            f"this project has {len(infos)} networks; training supports one network, "
            "a VAE (encoder, decoder) or a GAN (generator, discriminator)"
        )
    return network_facts(next(iter(infos.values())))


def plan_run(project: Project, config: dict, progress=None) -> RunPlan:
    """Plan a run of `project` with checked settings `config`.

    Raises:
        TrainingSetupError, DataError, LossError: the run cannot work (one line saying why).
    """
    infos = check_networks(project)
    structure = structural_task(project)
    task = structure or config["task"]
    facts = _main_facts(infos, task)
    seed = config["seed"]
    spec = dataset_spec(config["dataset"], facts, seed, config["target"])
    source = spec.open(progress)
    if task == "auto":
        task = source.task
    if task in ("vae", "gan") and structure != task:
        raise TrainingSetupError(f"task={task} needs networks named {VAE_OR_GAN[task]}")
    fit = fit_for(source, facts, task)
    train_count = len(split_indices(source.count, config["val_split"], seed, source.name)[0])
    classes = 0
    if task == "classification":
        classes = class_count(source)[0]
    elif task == "sequence":
        classes = len(source.class_names or [])
    loss = resolve_loss(config["loss"], task, facts.output_shape or (), classes)
    batch_size = parse_batch_size(config["batch_size"], train_count)
    plan = RunPlan(config, task, infos, facts, spec, source, fit, loss, batch_size)
    if config["augment"] and not (source.kind == "image" and fit.flatten is None):
        raise TrainingSetupError(f"augment works on images only; {source.name} gives {source.kind} data")
    if task == "vae":
        if not infos["decoder"].network.input_nodes():
            raise TrainingSetupError("the VAE decoder needs an Input for z")
        plan.latent_shape = tuple(network_facts(infos["decoder"]).input_shape)
    if task == "gan":
        noise = tuple(network_facts(infos["generator"]).input_shape)
        latent_dim = config["latent_dim"]
        if latent_dim and noise != (latent_dim,):
            raise TrainingSetupError(
                f"latent_dim={latent_dim} but the generator's Input takes {noise}; set latent_dim=0 to use it"
            )
        plan.noise_shape = noise
    return plan
