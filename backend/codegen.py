"""Code generation: a validated network becomes the Python source of an ``nn.Module``.

The output is a standalone module that needs only ``torch``: one class per block
definition (reused by every instance that renders the same), one class per network,
submodules named after the nodes, and ``forward`` in topological order with each
line commented with the shape it produces. The in-app model is built by executing
exactly this source (see `backend.compiler`), so what a user exports is what they
trained.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from graph.network import Network, Node
from graph.params import ParamError, Ref
from graph.project import BlockDefinition, Project
from graph.registry import BLOCK_TYPE, get_spec
from graph.shapes import format_shape
from graph.spec import ForwardContext, render
from graph.validation import NetworkReport, NodeResult, validate_network

INDENT = "    "


class CodegenError(ValueError):
    """The network cannot be turned into code; the message lists its errors."""


def class_name_for(name: str) -> str:
    """``generator`` -> ``Generator``, ``lenet5`` -> ``Lenet5``, ``my net`` -> ``MyNet``."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Net"
    if text[0].isdigit():
        text = "Net" + text
    if keyword.iskeyword(text) or text in ("Module", "Tensor"):
        text += "Net"
    return text


@dataclass
class _Namespace:
    """Unique variable names for forward (node names first, then port-suffixed)."""

    taken: set[str] = field(default_factory=set)

    def create(self, wanted: str) -> str:
        name, index = wanted, 2
        while name in self.taken or keyword.iskeyword(name):
            name = f"{wanted}_{index}"
            index += 1
        self.taken.add(name)
        return name


class _Generator:
    def __init__(self, project: Project):
        self.project = project
        self.blocks = project.blocks
        self.block_classes: dict[str, list[tuple[list[str], list[list[str | None]], str]]] = {}
        self.class_order: list[str] = []
        self.imports: set[tuple[str, str, str]] = set()  # (folder, module, name) the layers used need

    # -- one network body, shared by networks and blocks ------------------------------------
    def body(
        self, network: Network, report: NetworkReport, block: BlockDefinition | None
    ) -> tuple[list[str], list[str], list[str | None]]:
        """(init lines, forward lines, per-forward-line shape comment)."""
        live = [nid for nid in report.order if nid in report.live]
        names = _Namespace({n.name for n in network.nodes.values()} | {"self"})
        out_vars: dict[tuple[str, str], str] = {}
        used_ports = {(e.src, e.src_port) for e in network.edges if e.dst in report.live}
        init: list[str] = []
        forward: list[str] = []
        comments: list[str | None] = []
        for node_id in live:
            node = network.nodes[node_id]
            result = report.nodes[node_id]
            if node.type == "Input":
                out_vars[(node.id, "out")] = node.name
                continue
            if node.type == "Output":
                continue
            outputs = self._outputs_of(node)
            outs: dict[str, str] = {}
            for port in outputs:
                if (node.id, port) not in used_ports:
                    outs[port] = "_"
                elif len(outputs) == 1:
                    outs[port] = node.name
                else:
                    outs[port] = names.create(f"{node.name}_{port}")
                out_vars[(node.id, port)] = outs[port]
            inputs: dict[str, list[str]] = {}
            for edge in network.edges_into(node.id):
                inputs.setdefault(edge.dst_port, []).append(out_vars[(edge.src, edge.src_port)])
            ctor, lines = self._node_code(node, result, inputs, outs, network, block)
            if ctor is not None:
                init.append(f"self.{node.name} = {ctor}")
            shapes = [format_shape(s, batch=True) for p, s in result.outputs.items() if outs.get(p, "_") != "_"]
            for index, line in enumerate(lines):
                forward.append(line)
                comments.append(", ".join(shapes) if index == len(lines) - 1 and shapes else None)
        results = []
        for node in network.output_nodes():
            for edge in network.edges_into(node.id):
                results.append(out_vars[(edge.src, edge.src_port)])
        if not results:
            raise CodegenError(f"{network.name}: nothing is connected to an Output")
        forward.append("return " + ", ".join(results))
        comments.append(None)
        return init, forward, comments

    def _outputs_of(self, node: Node) -> list[str]:
        if node.type == BLOCK_TYPE:
            return self.blocks[node.params["block"]].output_names()
        return list(get_spec(node.type).outputs)

    def _node_code(self, node, result: NodeResult, inputs, outs, network, block) -> tuple[str | None, list[str]]:
        if node.type == BLOCK_TYPE:
            class_name = self.block_class(node, result)
            definition = self.blocks[node.params["block"]]
            args = ", ".join(render(_symbolic(node, p, block)) for p in definition.params)
            ctor = f"{class_name}({args})"
            ordered = [inputs[name][0] for name in definition.input_names()]
            targets = [outs[name] for name in definition.output_names()]
            call = f"self.{node.name}({', '.join(ordered)})"
            return ctor, [f"{', '.join(targets)} = {call}"]
        spec = get_spec(node.type)
        params = {p.name: _symbolic(node, p, block) for p in spec.params}
        if spec.imports is not None:
            self.imports.update(spec.imports(params))
        shapes = result.inputs
        ctor = spec.build(shapes, params) if spec.build else None
        module = f"self.{node.name}" if ctor is not None else ""
        # In forward, a block parameter is read from the instance (stored by __init__).
        forward_params = {k: Ref(f"self.{v.name}") if isinstance(v, Ref) else v for k, v in params.items()}
        ctx = ForwardContext(
            module=module, inputs=inputs, outputs=outs, params=forward_params, shapes=shapes, out_shapes=result.outputs
        )
        return ctor, spec.forward(ctx)

    # -- classes -------------------------------------------------------------------------------
    def block_class(self, node: Node, result: NodeResult) -> str:
        """The class name for this block instance, generating the class on first use."""
        definition = self.blocks[node.params["block"]]
        init, forward, comments = self.body(definition.body, result.inner, definition)
        forward_text = "\n".join(forward)
        stored = [f"self.{p.name} = {p.name}" for p in definition.params if f"self.{p.name}" in forward_text]
        init = stored + init
        variants = self.block_classes.setdefault(definition.name, [])
        for index, (v_init, v_forward_comments, name) in enumerate(variants):
            v_forward = v_forward_comments[0]
            if v_init == init and v_forward == forward:
                merged = [c if c == other else None for c, other in zip(v_forward_comments[1], comments, strict=True)]
                variants[index] = (v_init, [v_forward, merged], name)
                return name
        name = definition.name if not variants else f"{definition.name}{len(variants) + 1}"
        variants.append((init, [forward, comments], name))
        self.class_order.append(name)
        return name

    def render_blocks(self) -> list[str]:
        texts = []
        for definition_name, variants in self.block_classes.items():
            definition = self.blocks[definition_name]
            for init, (forward, comments), name in variants:
                args = "".join(f", {p.name}" for p in definition.params)
                inputs = ", ".join(definition.input_names())
                texts.append((name, _class_text(name, definition.doc, args, init, inputs, forward, comments)))
        order = {name: i for i, name in enumerate(self.class_order)}
        return [text for name, text in sorted(texts, key=lambda item: order[item[0]])]

    def network_class(self, network: Network, report: NetworkReport, class_name: str) -> str:
        init, forward, comments = self.body(network, report, None)
        inputs = ", ".join(n.name for n in network.input_nodes() if n.id in report.live)
        shapes = ", ".join(
            f"{n.name} {format_shape(report.nodes[n.id].outputs.get('out'), batch=True)}"
            for n in network.input_nodes()
            if n.id in report.live
        )
        doc = f"Generated by NetCanvas from network '{network.name}'. Input: {shapes}."
        return _class_text(class_name, doc, "", init, inputs, forward, comments)


def _symbolic(node: Node, param, block: BlockDefinition | None):
    """A parameter value for code: checked, but block references left as names."""
    raw = node.params.get(param.name, param.default)
    try:
        return param.coerce(raw)
    except ParamError as error:
        raise CodegenError(f"{node.name}: {error}") from None


def _class_text(
    name: str, doc: str, args: str, init: list[str], inputs: str, forward: list[str], comments: list[str | None]
) -> str:
    lines = [f"class {name}(nn.Module):"]
    if doc:
        lines.append(f'{INDENT}"""{_docstring(doc)}"""')
        lines.append("")
    lines.append(f"{INDENT}def __init__(self{args}):")
    lines.append(f"{INDENT * 2}super().__init__()")
    lines += [f"{INDENT * 2}{line}" for line in init]
    lines.append("")
    lines.append(f"{INDENT}def forward(self, {inputs}):" if inputs else f"{INDENT}def forward(self):")
    for line, comment in zip(forward, comments, strict=True):
        lines.append(f"{INDENT * 2}{line}" + (f"  # {comment}" if comment else ""))
    return "\n".join(lines)


def _docstring(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', "'''")


def _import_block(uses_torch: bool, requests: set[tuple[str, str, str]]) -> str:
    """The imports of generated code, sorted as isort sorts them; a class found in a folder after it is searched."""
    modules: dict[tuple[str, str], list[str]] = {}
    for folder, module, name in requests:
        modules.setdefault((folder, module), []).append(name)
    imported = [f"from {m} import {', '.join(sorted(set(n)))}" for (f, m), n in sorted(modules.items()) if not f]
    lines = ["import sys", ""] if any(folder for folder, _, _ in requests) else []
    lines += (["import torch"] if uses_torch else []) + sorted([*imported, "from torch import nn"])
    for folder in sorted({folder for folder, _, _ in requests if folder}):
        lines += ["", f"sys.path.insert(0, {folder!r})"]
        found = {m: n for (f, m), n in modules.items() if f == folder}
        lines += [f"from {m} import {', '.join(sorted(set(n)))}" for m, n in sorted(found.items())]
    return "\n".join(lines) + "\n"


@dataclass
class GeneratedModule:
    """Source text of a module and the class name of each network in it."""

    source: str
    class_names: dict[str, str]


def generate(
    project: Project, networks: list[str] | None = None, reports: dict[str, NetworkReport] | None = None
) -> GeneratedModule:
    """Python source for the chosen networks of `project` (all by default).

    Args:
        reports: validation reports by network name when the caller already has them
            (a network without one is validated here).

    Raises:
        CodegenError: a network has errors; the message lists them as the CLI prints them.
    """
    generator = _Generator(project)
    selected = networks or list(project.networks)
    class_names: dict[str, str] = {}
    network_texts = []
    taken = set(project.blocks)
    for name in selected:
        network = project.networks[name]
        report = (reports or {}).get(name) or validate_network(network, project.blocks)
        if report.errors:
            raise CodegenError("\n".join(p.line() for p in report.errors))
        class_name = class_name_for(name)
        while class_name in taken:
            class_name += "Net"
        taken.add(class_name)
        class_names[name] = class_name
        network_texts.append(generator.network_class(network, report, class_name))
    classes = generator.render_blocks() + network_texts
    body = "\n\n\n".join(classes)
    imports = _import_block("torch." in body, generator.imports)
    title = project.name or "network"
    header = f'"""{_docstring(title)}: PyTorch code generated by NetCanvas."""\n\n'
    return GeneratedModule(header + imports + "\n\n" + body + "\n", class_names)
