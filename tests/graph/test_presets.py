"""Presets: every architecture checks out at its defaults and at reference sizes.

The ImageNet-size parameter counts are the ones the reference PyTorch models have,
so a user comparing with a paper or torchvision sees the same numbers.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.params import ParamError, Ref
from graph.presets import PRESETS, Preset, PresetError, build_preset, list_presets
from graph.project_io import dumps, loads
from graph.training_config import TRAINING_PARAM_BY_NAME, coerce_training_value
from graph.validation import validate_project

IMAGENET = {"in_channels": 3, "image_size": 224, "num_classes": 1000}
NAMES = ["mlp", "lenet5", "alexnet", "vgg", "resnet", "rnn", "lstm", "gru", "seq2seq", "vae", "gan"]
IMAGE_CLASSIFIERS = ["lenet5", "alexnet", "vgg", "resnet"]


def totals(project):
    return {name: report.total_params for name, report in validate_project(project).items()}


def test_the_gallery_lists_every_preset_in_order():
    assert list(PRESETS) == NAMES
    assert [p.name for p in list_presets()] == NAMES
    for preset in list_presets():
        assert isinstance(preset, Preset)
        assert preset.title and preset.description and preset.category


@pytest.mark.parametrize("name", NAMES)
def test_defaults_validate_without_any_problem(name):
    project = build_preset(name)
    assert project.preset == name
    assert project.name and project.description
    for report in validate_project(project).values():
        assert report.problems == []


@pytest.mark.parametrize("name", NAMES)
def test_training_settings_are_valid_and_complete(name):
    project = build_preset(name)
    assert set(project.training) == set(TRAINING_PARAM_BY_NAME)
    for key, value in project.training.items():
        assert coerce_training_value(key, value) == value


@pytest.mark.parametrize("name", NAMES)
def test_nodes_are_laid_out_without_overlap(name):
    project = build_preset(name)
    for network in [*project.networks.values(), *(b.body for b in project.blocks.values())]:
        positions = [node.position for node in network.nodes.values()]
        assert len(set(positions)) == len(positions)


@pytest.mark.parametrize("name", NAMES)
def test_presets_survive_a_save_and_load(name):
    project = build_preset(name)
    again = loads(dumps(project))
    assert totals(again) == totals(project)
    assert again.training == project.training
    assert again.preset == name


@pytest.mark.parametrize("name", IMAGE_CLASSIFIERS)
def test_image_classifiers_take_the_image_options_and_train_on_digits(name):
    preset = PRESETS[name]
    assert {"in_channels", "image_size", "num_classes"} <= {p.name for p in preset.options}
    project = build_preset(name)
    assert (project.training["dataset"], project.training["task"], project.training["loss"]) == (
        "digits",
        "classification",
        "cross_entropy",
    )
    network = project.main
    assert len(project.networks) == 1
    assert [n.params["shape"][0] for n in network.input_nodes()] == [1]
    report = validate_project(project)[network.name]
    assert list(report.output_shapes(network).values()) == [(10,)]
    # Logits for cross-entropy: no softmax at the end.
    assert not any(n.type in ("Softmax", "LogSoftmax") for n in network.nodes.values())


def test_lenet5_is_the_classic_network():
    project = build_preset("lenet5")
    assert totals(project) == {"lenet5": 61_706}
    types = [project.main.nodes[i].type for i in validate_project(project)["lenet5"].order]
    assert types == [
        "Input",
        "Conv2d",
        "Tanh",
        "AvgPool2d",
        "Conv2d",
        "Tanh",
        "AvgPool2d",
        "Flatten",
        "Linear",
        "Tanh",
        "Linear",
        "Tanh",
        "Linear",
        "Output",
    ]
    assert project.main.input_nodes()[0].params["shape"] == (1, 32, 32)
    training = project.training
    assert (training["optimizer"], training["lr"], training["batch_size"], training["epochs"]) == (
        "adam",
        2e-3,
        "32",
        10,
    )


def test_alexnet_matches_the_reference_count():
    assert totals(build_preset("alexnet", IMAGENET)) == {"alexnet": 61_100_840}


@pytest.mark.parametrize(
    ("depth", "batch_norm", "count"),
    [
        (11, False, 132_863_336),
        (13, False, 133_047_848),
        (16, False, 138_357_544),
        (19, False, 143_667_240),
        (11, True, 132_868_840),
        (13, True, 133_053_736),
        (16, True, 138_365_992),
        (19, True, 143_678_248),
    ],
)
def test_vgg_matches_the_reference_counts(depth, batch_norm, count):
    project = build_preset("vgg", {**IMAGENET, "depth": depth, "batch_norm": batch_norm})
    assert list(totals(project).values()) == [count]


def test_vgg_defaults_to_the_papers_network_without_batch_norm():
    project = build_preset("vgg", {**IMAGENET, "depth": 16})
    assert totals(project) == {"vgg16": 138_357_544}


@pytest.mark.parametrize(
    ("depth", "count"),
    [(18, 11_689_512), (34, 21_797_672), (50, 25_557_032), (101, 44_549_160), (152, 60_192_808)],
)
def test_resnet_matches_the_reference_counts(depth, count):
    project = build_preset("resnet", {**IMAGENET, "depth": str(depth)})
    assert list(totals(project).values()) == [count]


@pytest.mark.parametrize(
    ("depth", "blocks", "instances"),
    [(18, {"BasicBlock", "BasicBlockDown"}, 8), (50, {"Bottleneck", "BottleneckDown"}, 16), (152, None, 50)],
)
def test_resnet_is_drawn_as_blocks(depth, blocks, instances):
    project = build_preset("resnet", {"depth": depth})
    if blocks is not None:
        assert set(project.blocks) == blocks
    block_nodes = [n for n in project.main.nodes.values() if n.type == "Block"]
    assert len(block_nodes) == instances
    assert len(project.main.nodes) == instances + 8  # input, stem (4), pool, fc, output


def test_resnet_block_sizes_are_all_references():
    # An `auto` or literal size inside a block would make instances render differently.
    for depth in (18, 50):
        project = build_preset("resnet", {"depth": depth})
        for definition in project.blocks.values():
            for node in definition.body.nodes.values():
                if node.type == "Conv2d":
                    assert isinstance(node.params["in_channels"], Ref)
                    assert isinstance(node.params["out_channels"], Ref)
                    assert node.params["bias"] is False
                if node.type == "BatchNorm2d":
                    assert isinstance(node.params["num_features"], Ref)


def test_recurrent_presets_forecast_a_sine_wave():
    for name, layer in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        project = build_preset(name, {"seq_len": "20", "hidden_size": 8, "num_layers": 2, "bidirectional": "true"})
        network = project.main
        assert [n.type for n in network.nodes.values()] == ["Input", layer, "LastTimestep", "Linear", "Output"]
        assert network.input_nodes()[0].params["shape"] == (20, 1)
        report = validate_project(project)[network.name]
        assert report.problems == []
        assert list(report.output_shapes(network).values()) == [(1,)]
        training = project.training
        assert (training["dataset"], training["task"], training["loss"]) == ("sine", "regression", "mse")


def test_seq2seq_decoder_starts_from_the_encoder_state():
    project = build_preset("seq2seq", {"seq_len": 12, "vocab_size": 7, "num_layers": 2})
    network = project.main
    encoder, decoder = network.node_by_name("encoder"), network.node_by_name("decoder")
    assert [(e.src, e.src_port) for e in network.edges_into(decoder.id, "initial_state")] == [(encoder.id, "state")]
    tokens = network.input_nodes()[0]
    assert tokens.params == {"shape": (12,), "dtype": "int64"}
    report = validate_project(project)[network.name]
    assert report.problems == []
    assert list(report.output_shapes(network).values()) == [(12, 7)]
    assert (project.training["dataset"], project.training["task"]) == ("reverse", "sequence")


def test_vae_follows_the_training_conventions():
    project = build_preset("vae", {"image_size": 12, "latent_dim": 5})
    assert list(project.networks) == ["encoder", "decoder"]
    reports = validate_project(project)
    encoder, decoder = project.networks["encoder"], project.networks["decoder"]
    assert reports["encoder"].output_shapes(encoder) == {"z": (5,), "mu": (5,), "logvar": (5,)}
    assert [n.name for n in encoder.output_nodes()] == ["z", "mu", "logvar"]
    assert any(n.type == "Reparameterize" for n in encoder.nodes.values())
    assert [n.name for n in decoder.input_nodes()] == ["z"]
    assert reports["decoder"].output_shapes(decoder) == {"reconstruction": (1, 12, 12)}
    last_layers = [decoder.nodes[i].type for i in reports["decoder"].order][-3:]
    assert last_layers == ["Sigmoid", "Reshape", "Output"]
    assert (project.training["task"], project.training["dataset"]) == ("vae", "digits")


def test_gan_follows_the_training_conventions():
    project = build_preset("gan", {"latent_dim": 7})
    assert list(project.networks) == ["generator", "discriminator"]
    reports = validate_project(project)
    generator, discriminator = project.networks["generator"], project.networks["discriminator"]
    assert [(n.name, n.params["shape"]) for n in generator.input_nodes()] == [("noise", (7,))]
    assert reports["generator"].output_shapes(generator) == {"image": (1, 16, 16)}
    assert [generator.nodes[i].type for i in reports["generator"].order][-2:] == ["Tanh", "Output"]
    assert [(n.name, n.params["shape"]) for n in discriminator.input_nodes()] == [("image", (1, 16, 16))]
    assert reports["discriminator"].output_shapes(discriminator) == {"score": (1,)}
    training = project.training
    assert (training["task"], training["dataset"], training["lr"], training["beta1"]) == ("gan", "digits", 2e-4, 0.5)


def test_gan_is_convolutional_and_follows_image_size_and_channels():
    project = build_preset("gan", {"image_size": 28, "in_channels": 3, "width": 8})
    generator, discriminator = project.networks["generator"], project.networks["discriminator"]
    reports = validate_project(project)
    assert reports["generator"].output_shapes(generator) == {"image": (3, 28, 28)}
    assert [n.params["shape"] for n in discriminator.input_nodes()] == [(3, 28, 28)]
    types = [n.type for n in generator.nodes.values()]
    assert types.count("Upsample") == 2 and types.count("Conv2d") == 2 and types.count("BatchNorm2d") == 2
    strided = [n for n in discriminator.nodes.values() if n.type == "Conv2d"]
    assert [n.params["stride"] for n in strided] == [(2, 2), (2, 2)]
    assert [n.params["out_channels"] for n in strided] == [8, 16]
    with pytest.raises(PresetError, match="image_size must be a multiple of 4"):
        build_preset("gan", {"image_size": 30})


def test_mlp_options_shape_the_network():
    project = build_preset("mlp", {"hidden_sizes": "32,16,8", "activation": "tanh", "dropout": "0.25"})
    types = [n.type for n in project.main.nodes.values()]
    assert types.count("Linear") == 4
    assert types.count("Tanh") == 3
    assert types.count("Dropout") == 3
    assert "Dropout" not in [n.type for n in build_preset("mlp").main.nodes.values()]
    assert totals(project) == {"mlp": 64 * 32 + 32 + 32 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10}


def test_option_strings_from_the_command_line_are_coerced():
    project = build_preset("vgg", {"depth": "13", "batch_norm": "yes", "image_size": "48"})
    assert project.main.name == "vgg13_bn"
    assert project.main.input_nodes()[0].params["shape"] == (1, 48, 48)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("resnet", {"depth": "17"}, "depth must be one of 18, 34, 50, 101, 152; got '17'"),
        ("vgg", {"depth": 12}, "depth must be one of 11, 13, 16, 19; got 12"),
        ("lenet5", {"colour": 3}, "preset 'lenet5' has no option 'colour'"),
        ("lenet5", {"image_size": "big"}, "image_size must be a whole number"),
        ("lenet5", {"image_size": 8}, "image_size must be at least 16, got 8"),
        ("alexnet", {"image_size": 40}, "image_size must be at least 63, got 40"),
        ("vgg", {"image_size": 16}, "image_size must be at least 32, got 16"),
        ("mlp", {"hidden_sizes": "0,4"}, "hidden_sizes"),
        ("mlp", {"activation": "swish"}, "activation must be one of relu, tanh, sigmoid, gelu, leaky_relu"),
        ("lstm", {"num_layers": "$depth"}, "num_layers must be a value, not a reference"),
        ("vgg", {"batch_norm": "maybe"}, "batch_norm must be true or false"),
    ],
)
def test_bad_options_are_refused_with_a_message_naming_the_option(name, options, message):
    with pytest.raises(PresetError) as error:
        build_preset(name, options)
    assert message in str(error.value)
    assert isinstance(error.value, ParamError)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(PresetError, match="unknown preset 'resnet9'; choose one of: mlp, lenet5"):
        build_preset("resnet9")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    data=st.data(),
    value=st.one_of(
        st.text(max_size=12),
        st.from_regex(r"-?[0-9]{1,6}", fullmatch=True),
        st.sampled_from(["true", "no", "auto", "$x", "1x2", "3,4", "nan", "1e3", "", " 7 "]),
    ),
)
def test_random_option_text_gives_a_project_or_a_preset_error(name, data, value):
    defaults = {p.name: str(p.default) for p in PRESETS[name].options}
    option = data.draw(st.sampled_from([*defaults, "bogus"]))
    if option in defaults and data.draw(st.booleans()):
        value = defaults[option]
    try:
        project = build_preset(name, {option: value})
    except PresetError as error:
        assert str(error)
        # So that the oracle can fail: an option's default, as text, always builds.
        assert value != defaults.get(option), f"the default {option}={value} was refused: {error}"
    else:
        assert option != "bogus"
        assert all(report.ok for report in validate_project(project).values())


def test_options_that_break_the_network_are_reported_not_returned(monkeypatch):
    def broken(options):
        project = PRESETS["lenet5"].build(options)
        project.main.node_by_name("fc1").params["in_features"] = 3
        return project

    options = PRESETS["lenet5"].options
    fake = Preset("broken", "Broken", "A preset whose network does not check out.", "Test", options, broken)
    monkeypatch.setitem(PRESETS, "broken", fake)
    with pytest.raises(PresetError, match="broken with its defaults does not work: Linear 'fc1' expects 3"):
        build_preset("broken")
