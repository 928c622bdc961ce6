"""Project files: round trips, atomic saves, version checks and hostile input.

Loading must either give a `Project` or raise `ProjectFileError` with one message
that names the field at fault; nothing else, whatever the bytes.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.codegen import CodegenError, generate
from graph import project_io
from graph.network import Network
from graph.params import Param
from graph.presets import PRESETS, build_preset
from graph.project import BlockDefinition, Project
from graph.project_io import ProjectFileError, dumps, load_project, loads, save_project
from graph.validation import validate_project


def conv_project() -> Project:
    """A small conv net: Input -> Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d -> Flatten -> Linear -> Output."""
    project = Project(name="small conv")
    net = project.add_network(Network("net"))
    nodes = [
        net.add("Input", shape=(1, 8, 8)),
        net.add("Conv2d", out_channels=4, kernel_size=3, padding=1),
        net.add("BatchNorm2d"),
        net.add("ReLU"),
        net.add("MaxPool2d", kernel_size=2),
        net.add("Flatten"),
        net.add("Linear", out_features=3),
        net.add("Output"),
    ]
    net.chain(*nodes)
    return project


def block_project() -> Project:
    """Two instances of a residual block whose sizes come from a block parameter."""
    project = Project(name="blocks")
    body = Network("Residual")
    features = body.add("Input", name="features", shape=(4,))
    dense = body.add("Linear", name="dense", out_features="$width")
    add = body.add("Add", name="add")
    out = body.add("Output", name="out")
    body.chain(features, dense, add, out)
    body.wire(features, add)
    project.add_block(BlockDefinition("Residual", body, (Param("width", "int", 4, minimum=1),), "x + dense(x)"))
    net = project.add_network(Network("net"))
    first = net.add("Input", shape=(6,))
    proj = net.add("Linear", out_features=8)
    block1 = net.add("Block", block="Residual", width=8)
    block2 = net.add("Block", block="Residual", width=8)
    net.chain(first, proj, block1, block2, net.add("Output"))
    return project


def as_dict(project: Project) -> dict:
    return json.loads(dumps(project))


def load_dict(data: dict) -> Project:
    return loads(json.dumps(data))


def error_of(data) -> str:
    raw = data if isinstance(data, (bytes, str)) else json.dumps(data)
    with pytest.raises(ProjectFileError) as caught:
        loads(raw)
    return str(caught.value)


# -- round trips --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_round_trips_to_identical_json_and_code(name):
    project = build_preset(name)
    text = dumps(project)
    again = loads(text)
    assert dumps(again) == text
    assert generate(again).source == generate(project).source


def test_round_trip_keeps_blocks_training_and_layout(tmp_path):
    project = block_project()
    project.set_training("lr", 0.05)
    project.layout = {"net": {"zoom": 1.5}}
    path = tmp_path / "p.json"
    save_project(project, path)
    loaded = load_project(path)
    assert loaded.training["lr"] == 0.05
    assert loaded.layout == {"net": {"zoom": 1.5}}
    assert list(loaded.blocks) == ["Residual"]
    assert path.read_text(encoding="utf-8") == dumps(loaded)
    assert generate(loaded).source == generate(project).source


def test_blocks_may_use_blocks_defined_later_in_the_file():
    inner = block_project()
    outer_body = Network("Outer")
    outer_body.blocks = inner.blocks
    x = outer_body.add("Input", name="features", shape=(4,))
    b = outer_body.add("Block", name="inner", block="Residual", width=4)
    outer_body.chain(x, b, outer_body.add("Output", name="out"))
    data = as_dict(inner)
    outer = {"doc": "", "params": [], "network": json.loads(json.dumps(project_io.network_to_dict(outer_body)))}
    data["blocks"] = {"Outer": outer, **data["blocks"]}  # the user of Residual comes first
    loaded = load_dict(data)
    assert loaded.blocks["Outer"].body.edges


# -- atomic save --------------------------------------------------------------------------------------
@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_crash_while_saving_leaves_the_old_file_whole(tmp_path, monkeypatch, failing):
    path = tmp_path / "model.json"
    save_project(conv_project(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_io.os, failing, crash)
    changed = block_project()
    with pytest.raises(OSError):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]


def test_save_into_a_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        save_project(conv_project(), tmp_path / "missing" / "model.json")


# -- versions -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "expected"),
    [(0, "is not a NetCanvas file version"), (-3, "is not a NetCanvas file version"), (99, "newer than")],
)
def test_unsupported_versions_are_refused_with_a_clear_message(version, expected):
    data = as_dict(conv_project())
    data["version"] = version
    message = error_of(data)
    assert message.startswith("version: ")
    assert expected in message


@pytest.mark.parametrize("version", ["1", 1.5, None, True])
def test_a_version_that_is_not_a_whole_number_is_refused(version):
    data = as_dict(conv_project())
    data["version"] = version
    assert error_of(data).startswith("version: must be a whole number")


def test_older_files_are_migrated_on_load(monkeypatch):
    data = as_dict(conv_project())
    data["title"] = data.pop("name")  # pretend version 1 called the field "title"

    def rename_title(old: dict) -> dict:
        new = dict(old)
        new["name"] = new.pop("title")
        return new

    monkeypatch.setattr(project_io, "VERSION", 2)
    monkeypatch.setitem(project_io.MIGRATIONS, 1, rename_title)
    project = load_dict(data)
    assert project.name == "small conv"
    assert json.loads(dumps(project))["version"] == 2


# -- broken and hostile files -------------------------------------------------------------------------
def test_missing_file_and_folder_name_the_path(tmp_path):
    with pytest.raises(ProjectFileError, match="no such file"):
        load_project(tmp_path / "nope.json")
    with pytest.raises(ProjectFileError, match="is a folder"):
        load_project(tmp_path)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(project_io.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(ProjectFileError, match="at most"):
        load_project(path)


def test_errors_from_load_project_start_with_the_path(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ProjectFileError) as caught:
        load_project(path)
    assert str(caught.value).startswith(f"{path}: not valid JSON")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"", "not valid JSON", id="empty"),
        pytest.param(b"{", "not valid JSON", id="unclosed"),
        pytest.param(b"\xff\xfe{}", "not UTF-8", id="not-utf8"),
        pytest.param(b"[]", "file: must be a JSON object", id="a-list"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "nested", id="deep-lists"),
        pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested", id="deep-objects"),
        pytest.param(b"[" * 100_000, "nested", id="deep-unclosed"),
        pytest.param(b'{"format": "netcanvas", "version": NaN}', "NaN", id="nan"),
        pytest.param(b'{"format": "netcanvas", "version": Infinity}', "Infinity", id="infinity"),
        pytest.param(b'{"format": "netcanvas", "version": -Infinity}', "Infinity", id="minus-infinity"),
        pytest.param(b'{"format": "netcanvas", "version": 1e999}', "too large", id="1e999"),
        pytest.param(b'{"format": "netcanvas", "version": 1' + b"0" * 5000 + b"}", "digits", id="5000-digits"),
        pytest.param(b'{"format": "other", "version": 1}', "format:", id="other-format"),
        pytest.param(b'{"version": 1}', "format:", id="no-format"),
        pytest.param(b'{"format": "netcanvas"}', "version:", id="no-version"),
        pytest.param(b'{"format": "netcanvas", "version": 1}', "networks: must be an object", id="no-networks"),
        pytest.param(
            b'{"format": "netcanvas", "version": 1, "networks": {}}',
            "networks: a project needs at least one",
            id="empty-networks",
        ),
    ],
)
def test_malformed_files_give_one_clear_error(raw, expected):
    message = error_of(raw)
    assert expected in message
    assert "\n" not in message


def test_deep_nesting_inside_an_allowed_field_is_refused():
    data = as_dict(conv_project())
    deep: list = []
    for _ in range(project_io.MAX_DEPTH + 5):
        deep = [deep]
    data["layout"] = {"deep": deep}
    assert "nested more than" in error_of(data)


def _node_index(data: dict, type_name: str) -> int:
    return next(i for i, n in enumerate(data["networks"]["net"]["nodes"]) if n["type"] == type_name)


def _set(path: tuple, value):
    """A mutation that sets `path` in the file's dict (``"#Conv2d"`` stands for that node's index)."""

    def apply(data: dict) -> None:
        target = data
        keys = [_node_index(data, k[1:]) if isinstance(k, str) and k.startswith("#") else k for k in path]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return apply


def _delete(path: tuple):
    def apply(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


NODES = ("networks", "net", "nodes")
EDGES = ("networks", "net", "edges")


@pytest.mark.parametrize(
    ("mutate", "field", "expected"),
    [
        (_set(("name",), 3), "name", "must be text"),
        (_set(("networks",), []), "networks", "must be an object"),
        (_set(("networks", "net"), "oops"), "networks.net", "must be an object"),
        (_set((*NODES,), "oops"), "networks.net.nodes", "must be a list"),
        (_set((*NODES, 0), 7), "networks.net.nodes[0]", "must be an object"),
        (_set((*NODES, 0, "id"), 5), "networks.net.nodes[0].id", "must be text"),
        (_set((*NODES, 0, "id"), ""), "networks.net.nodes[0].id", "1 to 64"),
        (_set((*NODES, 1, "type"), "Conv9d"), "networks.net.nodes[1].type", "unknown layer type 'Conv9d'"),
        (_delete((*NODES, 1, "type")), "networks.net.nodes[1].type", "must be text, got null"),
        (_set((*NODES, 1, "name"), "class"), "networks.net.nodes[1].name", "not a usable name"),
        (_set((*NODES, 1, "name"), "x" * 10_000), "networks.net.nodes[1].name", "too long"),
        (_set((*NODES, 1, "params"), [1]), "networks.net.nodes[1].params", "must be an object"),
        (_set((*NODES, "#Conv2d", "params", "kernal_size"), 3), "networks.net.nodes[1].params.kernal_size", "no par"),
        (
            _set((*NODES, "#Conv2d", "params", "kernel_size"), "big"),
            "networks.net.nodes[1].params.kernel_size",
            "whole number",
        ),
        (
            _set((*NODES, "#Conv2d", "params", "out_channels"), 10**12),
            "networks.net.nodes[1].params.out_channels",
            "at most",
        ),
        (_set((*NODES, 0, "params", "shape"), [10**12]), "networks.net.nodes[0].params.shape", "between 1 and"),
        (_set((*NODES, 0, "params", "shape"), [1] * 50), "networks.net.nodes[0].params.shape", "1 to 8 sizes"),
        (_set((*NODES, "#Linear", "params", "bias"), "maybe"), "networks.net.nodes[6].params.bias", "true or false"),
        (_set((*NODES, 0, "position"), [0]), "networks.net.nodes[0].position", "two numbers"),
        (_set((*NODES, 0, "position"), [0, 1e300]), "networks.net.nodes[0].position[1]", "too far"),
        (_set((*NODES, 0, "position"), ["a", 0]), "networks.net.nodes[0].position[0]", "must be a number"),
        (_set((*NODES, 1, "id"), "n1"), "networks.net.nodes[1].id", "used twice"),
        (_set((*NODES, 1, "name"), "input1"), "networks.net.nodes[1].name", "used twice"),
        (_set((*EDGES,), {}), "networks.net.edges", "must be a list"),
        (_set((*EDGES, 0, "dst"), "ghost"), "networks.net.edges[0].dst", "no node with id 'ghost'"),
        (_set((*EDGES, 0, "src"), None), "networks.net.edges[0].src", "must be text"),
        (_set((*EDGES, 0, "dst_port"), "y"), "networks.net.edges[0].dst_port", "has no input 'y'"),
        (_set((*EDGES, 1), {"src": "n1", "src_port": "out", "dst": "n2", "dst_port": "x"}), "edges[1]", "twice"),
        (_set(("training",), []), "training", "must be an object"),
        (_set(("training", "lr"), "fast"), "training.lr", "must be a number"),
        (_set(("training", "lr"), -1), "training.lr", "at least"),
        (_set(("training", "warp_speed"), 9), "training.warp_speed", "unknown training setting"),
        (_set(("layout",), "x"), "layout", "must be an object"),
    ],
)
def test_wrong_fields_are_named_in_the_error(mutate, field, expected):
    data = as_dict(conv_project())
    mutate(data)
    message = error_of(data)
    assert message.startswith(field + ":") or f"{field}:" in message, message
    assert expected in message


def test_connections_that_go_round_in_a_circle_are_refused_naming_one_of_them():
    data = as_dict(conv_project())
    edges = data["networks"]["net"]["edges"]
    edges.append({"src": "n6", "src_port": "out", "dst": "n3", "dst_port": "x"})  # flatten back into the norm
    edges.remove({"src": "n2", "src_port": "out", "dst": "n3", "dst_port": "x"})
    assert error_of(data) == (
        "networks.net.edges[1]: the connections go round in a circle "
        "(batchnorm2d1 -> relu1 -> maxpool2d1 -> flatten1 -> batchnorm2d1); a network must flow one way"
    )
    data["networks"]["net"]["edges"] = [{"src": "n4", "src_port": "out", "dst": "n4", "dst_port": "x"}]
    assert error_of(data).startswith("networks.net.edges[0]: the connections go round in a circle (relu1 -> relu1)")
    data = as_dict(block_project())
    data["blocks"]["Residual"]["network"]["edges"].append(
        {"src": "n3", "src_port": "out", "dst": "n2", "dst_port": "x"}
    )
    assert error_of(data).startswith("blocks.Residual.network.edges[1]: the connections go round in a circle (dense")


def test_block_errors_name_the_block_field():
    data = as_dict(block_project())
    data["blocks"]["Residual"]["params"][0]["kind"] = "complex"
    assert error_of(data).startswith("blocks.Residual.params[0].kind:")
    data = as_dict(block_project())
    node = next(n for n in data["networks"]["net"]["nodes"] if n["type"] == "Block")
    node["params"]["block"] = "Missing"
    assert "params.block: no block definition named" in error_of(data)
    data = as_dict(block_project())
    node = next(n for n in data["networks"]["net"]["nodes"] if n["type"] == "Block")
    node["params"]["width"] = 0
    assert ".params.width: width must be at least 1" in error_of(data)


def _recursive_project(instances: int) -> dict:
    """A file whose block ``Loop`` contains `instances` chained instances of itself."""
    data = as_dict(block_project())
    body = data["blocks"]["Residual"]["network"]
    ids = [n["id"] for n in body["nodes"]]
    dense = next(n for n in body["nodes"] if n["name"] == "dense")
    previous = dense["id"]
    for index in range(instances):
        node_id = f"loop{index}"
        body["nodes"].append(
            {"id": node_id, "type": "Block", "name": f"again{index}", "params": {"block": "Residual", "width": 4}}
        )
        body["edges"].append({"src": previous, "src_port": "out", "dst": node_id, "dst_port": "features"})
        previous = node_id
    add = next(i for i in ids if body["nodes"][ids.index(i)]["name"] == "add")
    body["edges"] = [e for e in body["edges"] if not (e["src"] == dense["id"] and e["dst"] == add)]
    body["edges"].append({"src": previous, "src_port": "out", "dst": add, "dst_port": "x"})
    return data


@pytest.mark.parametrize("instances", [1, 10])
def test_a_block_that_contains_itself_is_reported_not_followed_forever(instances):
    project = load_dict(_recursive_project(instances))
    report = validate_project(project)["net"]
    messages = [p.message for p in report.errors]
    assert messages
    assert all("contains itself" in m for m in messages), messages
    with pytest.raises(CodegenError, match="contains itself"):
        generate(project)


def test_blocks_that_contain_each_other_are_reported():
    data = as_dict(block_project())
    other = copy.deepcopy(data["blocks"]["Residual"])
    data["blocks"]["Other"] = other
    for name, target in (("Residual", "Other"), ("Other", "Residual")):
        body = data["blocks"][name]["network"]
        body["nodes"].append(
            {"id": "b", "type": "Block", "name": "inner", "params": {"block": target, "width": "$width"}}
        )
        dense = next(n["id"] for n in body["nodes"] if n["name"] == "dense")
        body["edges"].append({"src": dense, "src_port": "out", "dst": "b", "dst_port": "features"})
    project = load_dict(data)
    errors = validate_project(project)["net"].errors
    assert errors and "Residual -> Other -> Residual" in errors[0].message


# -- corruption never raises anything but ProjectFileError ---------------------------------------------
ODD_VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1,
        2**40,
        0.5,
        -1e300,
        "",
        "x",
        "$width",
        "same",
        "Conv2d",
        [],
        [1],
        [1, 2],
        {},
        {"a": 1},
    ]
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


BASES = {"conv": as_dict(conv_project()), "blocks": as_dict(block_project())}


def _check_loads(raw, intact: bool) -> None:
    """Either a project that validates and generates, or a ProjectFileError; an intact file must load.

    Without the last rule the oracle would pass a loader that refused every file.
    """
    try:
        project = loads(raw)
    except ProjectFileError as error:
        assert not intact, f"an intact file was refused: {error}"
        assert str(error)
        return
    reports = validate_project(project)
    assert set(reports) == set(project.networks)
    if any(report.errors for report in reports.values()):
        with pytest.raises(CodegenError):
            generate(project)
    else:
        assert generate(project).class_names.keys() == project.networks.keys()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_structural_corruption_gives_a_project_or_a_project_file_error(base, data):
    document = copy.deepcopy(BASES[base])
    changes = data.draw(st.integers(0, 3))
    for _ in range(changes):
        paths = [p for p in _paths(document) if p]
        path = data.draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            # A copy: sampled_from hands out the same list or dict each time, and a later step
            # may change what was put in, which changed the strategy itself (hypothesis then
            # failed now and then with FlakyStrategyDefinition).
            parent[path[-1]] = copy.deepcopy(data.draw(ODD_VALUES))
    _check_loads(json.dumps(document), intact=changes == 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(sorted(BASES)), data=st.data())
def test_byte_corruption_gives_a_project_or_a_project_file_error(base, data):
    original = json.dumps(BASES[base]).encode("utf-8")
    raw = bytearray(original)
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 4))):
        if raw:
            index = data.draw(st.integers(0, len(raw) - 1))
            raw[index] ^= data.draw(st.integers(1, 255))
    _check_loads(bytes(raw), intact=bytes(raw) == original)


def test_loading_never_uses_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.json"
    save_project(conv_project(), path)
    load_project(path)
    assert sorted(os.listdir(tmp_path)) == ["p.json"]
