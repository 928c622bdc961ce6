"""Validation speed: validate + infer shapes of 1,000- and 10,000-node graphs.

Targets (DESIGN.md, "Performance targets"): 1,000 nodes <= 20 ms, 10,000 nodes <= 250 ms.
Two shapes of graph: a long chain (convolutions, then dense layers) and a wide
one (many parallel Linear -> ReLU branches summed in groups and concatenated).
Each run first drops the network's cached networkx view, as an edit in the editor
does, so the figure is what the user waits for after a change. Prints the median
of several runs (wall and CPU time) and the wall time's ratio to the target (<= 1.0 meets it).

Run: ``python bench/bench_validation.py [--quick]`` (``--quick``: 3 runs each instead of 7).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.results import report
from graph.network import Edge, Network, Node, coerce_node_params
from graph.validation import validate_network

TARGETS_MS = {1_000: 20.0, 10_000: 250.0}
REPEATS = 7


class _Builder:
    """Builds a big network fast: nodes go straight into the dicts (the graph is valid by construction)."""

    def __init__(self, name: str):
        self.net = Network(name)
        self.count = 0

    def node(self, type_name: str, **params) -> Node:
        self.count += 1
        node = Node(f"n{self.count}", type_name, f"{type_name.lower()}{self.count}", params)
        node.params = coerce_node_params(node)
        self.net.nodes[node.id] = node
        return node

    def edge(self, src: Node, dst: Node, src_port: str = "out", dst_port: str = "x") -> None:
        self.net.edges.append(Edge(src.id, src_port, dst.id, dst_port))


def chain(size: int) -> Network:
    """Input -> (Conv2d -> ReLU)* -> Flatten -> (Linear -> ReLU)* -> Linear -> Output, `size` nodes."""
    build = _Builder("chain")
    last = build.node("Input", shape=(4, 8, 8))
    body = size - 5
    convs = body // 4  # half the body convolutional, half dense
    for index in range(body // 2):
        layer = build.node("Conv2d", out_channels=4, kernel_size=3, padding=1) if index < convs else None
        if layer is None:
            break
        build.edge(last, layer)
        act = build.node("ReLU")
        build.edge(layer, act)
        last = act
    flat = build.node("Flatten")
    build.edge(last, flat)
    last = flat
    while build.count < size - 2:
        layer = build.node("Linear", out_features=16)
        build.edge(last, layer)
        last = layer
        if build.count < size - 2:
            act = build.node("ReLU")
            build.edge(layer, act)
            last = act
    head = build.node("Linear", out_features=10)
    build.edge(last, head)
    build.edge(head, build.node("Output"))
    return build.net


def wide(size: int, group: int = 10) -> Network:
    """Input -> many (Linear -> ReLU) branches -> Add per group of `group` -> Concat -> Linear -> Output."""
    build = _Builder("wide")
    source = build.node("Input", shape=(32,))
    branches = (size - 4) * group // (2 * group + 1)
    sums = []
    for start in range(0, branches, group):
        add = build.node("Add")
        for _ in range(min(group, branches - start)):
            dense = build.node("Linear", out_features=16)
            act = build.node("ReLU")
            build.edge(source, dense)
            build.edge(dense, act)
            build.edge(act, add)
        sums.append(add)
    concat = build.node("Concat")
    for add in sums:
        build.edge(add, concat)
    while build.count < size - 2:
        previous = concat
        concat = build.node("Identity")
        build.edge(previous, concat)
    head = build.node("Linear", out_features=10)
    build.edge(concat, head)
    build.edge(head, build.node("Output"))
    return build.net


def time_validation(network: Network, repeats: int = REPEATS) -> tuple[float, float, int]:
    """Median wall and CPU milliseconds of `validate_network` after an edit, and its error count (must be 0).

    CPU time is shown beside wall time because on a busy machine it is the steadier figure.
    """
    wall, cpu = [], []
    errors = 0
    for _ in range(repeats):
        network._graph = None  # an edit drops the cached networkx view, as in the editor
        start, start_cpu = time.perf_counter(), time.process_time()
        report = validate_network(network)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        errors = len(report.errors)
    return statistics.median(wall), statistics.median(cpu), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs per graph instead of 7")
    repeats = 3 if parser.parse_args().quick else REPEATS
    print(f"validation benchmark  python {platform.python_version()}  {platform.machine()}  {platform.node()}")
    print(f"{'graph':<8}{'nodes':>8}{'edges':>8}{'wall ms':>10}{'cpu ms':>9}{'target ms':>11}{'ratio':>8}")
    for size, target in TARGETS_MS.items():
        for make in (chain, wide):
            network = make(size)
            assert len(network.nodes) == size, (make.__name__, len(network.nodes))
            median, cpu, errors = time_validation(network, repeats)
            if errors:
                raise SystemExit(f"{make.__name__}({size}) does not validate: {validate_network(network).errors[0]}")
            print(
                f"{make.__name__:<8}{size:>8,}{len(network.edges):>8,}{median:>10.1f}{cpu:>9.1f}{target:>11.0f}"
                f"{median / target:>8.2f}"
            )
            report(f"validate_{make.__name__}_{size}", median, "ms", target)


if __name__ == "__main__":
    main()
