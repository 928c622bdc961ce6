"""The compiler: generated source -> live ``nn.Module``.

It executes exactly the source `backend.codegen.generate` produced, registered
with `linecache` under a unique file name so tracebacks, ``inspect.getsource`` and
TorchScript see the real text. There is no second path from graph to model.
"""

from __future__ import annotations

import itertools
import linecache
import sys
import types

import torch
from torch import nn

from backend.codegen import GeneratedModule, generate
from graph.network import Network
from graph.project import Project
from graph.validation import NetworkReport, validate_network

_counter = itertools.count(1)
_loaded: list[str] = []
MAX_LOADED_MODULES = 32
DEFAULT_SEQUENCE_LENGTH = 16


def load_source(source: str, label: str = "model") -> types.ModuleType:
    """Execute generated source as a fresh module and return it."""
    index = next(_counter)
    filename = f"<netcanvas-{label}-{index}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    module = types.ModuleType(f"netcanvas_generated_{index}")
    module.__file__ = filename
    code = compile(source, filename, "exec")
    exec(code, module.__dict__)  # our own generated source, never text from a file
    # inspect (and so TorchScript) finds a class's source through sys.modules; keep only recent ones.
    sys.modules[module.__name__] = module
    _loaded.append(module.__name__)
    while len(_loaded) > MAX_LOADED_MODULES:
        sys.modules.pop(_loaded.pop(0), None)
    return module


def build_models(
    project: Project, networks: list[str] | None = None, reports: dict[str, NetworkReport] | None = None
) -> tuple[dict[str, nn.Module], GeneratedModule]:
    """Instantiate one ``nn.Module`` per network from the generated source.

    Args:
        reports: validation reports by network name, reused instead of validating again.
    """
    generated = generate(project, networks, reports)
    module = load_source(generated.source, (project.name or "model").replace(" ", "_")[:40])
    models = {name: getattr(module, class_name)() for name, class_name in generated.class_names.items()}
    return models, generated


def build_model(project: Project, network: str | None = None) -> nn.Module:
    name = network or next(iter(project.networks))
    models, _ = build_models(project, [name])
    return models[name]


def example_inputs(
    network: Network,
    report: NetworkReport | None = None,
    batch: int = 2,
    blocks: dict | None = None,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, ...]:
    """Random inputs with the shapes of the network's Input nodes (forward's argument order)."""
    report = report or validate_network(network, blocks)
    tensors = []
    for node in network.input_nodes():
        if report.live and node.id not in report.live:
            continue
        shape = tuple(DEFAULT_SEQUENCE_LENGTH if s is None else s for s in node.params["shape"])
        if node.params.get("dtype") == "int64":
            vocab = _embedding_vocab(network, node) or 10
            tensors.append(torch.randint(0, vocab, (batch, *shape), generator=generator))
        else:
            tensors.append(torch.randn((batch, *shape), generator=generator))
    return tuple(tensors)


def _embedding_vocab(network: Network, node) -> int | None:
    sizes = [network.nodes[e.dst].params.get("num_embeddings") for e in network.edges_from(node.id)]
    sizes = [s for s in sizes if isinstance(s, int)]
    return min(sizes) if sizes else None


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
