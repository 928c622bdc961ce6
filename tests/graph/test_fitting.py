"""The network follows the data: the fit rule on every preset, refusals that name the presets that fit."""

import pytest

from graph.fitting import DataFacts, FitError, apply_fit, fit_network, presets_for
from graph.network import Network
from graph.presets import PRESETS, build_preset
from graph.project import Project
from graph.validation import validate_project

DIGITS = DataFacts("digits", "image", (1, 8, 8), 1797, "classification", tuple("0123456789"))
PHOTOS = DataFacts("photos", "image", (3, 375, 500), 10_000, "classification", ("cat", "dog", "fox"))
SMALL_RGB = DataFacts("icons", "image", (3, 30, 40), 120, "classification", ("a", "b"))
WINE = DataFacts("wine.csv", "tabular", (13,), 178, "classification", ("barbera", "barolo", "grignolino"))
HOUSES = DataFacts("houses.csv", "tabular", (5,), 500, "regression", target_width=2)
SINE = DataFacts("sine", "series", (None, 1), 1200, "regression", target_width=1)
WEATHER = DataFacts("weather.npz", "series", (48, 3), 900, "regression", target_width=1)
REVERSE = DataFacts("reverse", "tokens", (None,), 2000, "sequence", vocab=10)
WORDS = DataFacts("words.npz", "tokens", (7,), 500, "sequence", vocab=30)
ALL = (DIGITS, PHOTOS, SMALL_RGB, WINE, HOUSES, SINE, WEATHER, REVERSE, WORDS)
TAKES = {
    "mlp": {"image", "tabular", "series"},
    "lenet5": {"image"},
    "alexnet": {"image"},
    "vgg": {"image"},
    "resnet": {"image"},
    "rnn": {"image", "series"},
    "lstm": {"image", "series"},
    "gru": {"image", "series"},
    "seq2seq": {"tokens"},
    "vae": {"image"},
    "gan": {"image"},
}


def errors_of(project):
    return [problem.line() for report in validate_project(project).values() for problem in report.errors]


def output_width(project):
    network = project.main
    report = validate_project(project)[network.name]
    return next(iter(report.output_shapes(network).values()))[-1]


def test_every_preset_is_listed_with_what_it_takes():
    assert set(TAKES) == set(PRESETS)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("facts", ALL, ids=lambda facts: facts.name)
def test_each_preset_fits_the_data_it_can_take_and_refuses_the_rest(name, facts):
    project = build_preset(name)
    if facts.kind not in TAKES[name]:
        with pytest.raises(FitError) as caught:
            fit_network(project, facts)
        message = str(caught.value)
        assert facts.name in message and "presets that take" in message
        assert all(preset in message for preset in presets_for(facts.kind))
        return
    fit = fit_network(project, facts)
    apply_fit(project, fit)
    assert not errors_of(project), fit.describe()
    assert not fit.notes
    assert fit_network(project, facts).edits == []  # a fitted network needs no more edits
    if name in ("vae", "gan"):
        taker = project.networks["encoder" if name == "vae" else "discriminator"]
        assert tuple(taker.input_nodes()[0].params["shape"])[0] == facts.sample_shape[0]
        return
    width = {"classification": facts.classes, "regression": facts.target_width, "sequence": facts.vocab}
    assert output_width(project) == width[facts.task] or (facts.classes == 2 and output_width(project) == 1)
    assert project.training["task"] == facts.task


def test_a_table_fits_an_mlp_input_and_its_classes():
    project = build_preset("mlp")
    fit = fit_network(project, WINE)
    assert [edit.describe() for edit in fit.edits] == [
        "mlp/features shape: (64) -> (13)",
        "mlp/fc3 out_features: 10 -> 3",
    ]
    assert fit.training == {}  # the MLP already classifies


def test_a_regression_table_changes_the_task_and_a_loss_that_no_longer_fits():
    project = build_preset("mlp")
    fit = fit_network(project, HOUSES)
    assert fit.training == {"task": "regression", "loss": "auto"}


def test_image_size_follows_the_data_between_the_networks_size_and_224():
    shape = lambda project: tuple(project.main.input_nodes()[0].params["shape"])  # noqa: E731
    for facts, expected in ((DIGITS, (1, 32, 32)), (PHOTOS, (3, 224, 224)), (SMALL_RGB, (3, 32, 32))):
        project = build_preset("lenet5")
        apply_fit(project, fit_network(project, facts))
        assert shape(project) == expected, facts.name
    project = build_preset("resnet", {"image_size": 64})
    apply_fit(project, fit_network(project, SMALL_RGB))
    assert shape(project) == (3, 32, 32)  # measured from the preset's default, 32: not kept large


def test_a_single_logit_stays_for_two_classes():
    project = build_preset("mlp", {"num_classes": 1, "in_features": 13})
    two = DataFacts("t.csv", "tabular", (13,), 50, "classification", ("no", "yes"))
    assert fit_network(project, two).edits == []


def test_building_a_preset_gets_its_own_options_and_the_users_win():
    project = build_preset("lenet5")
    fit = fit_network(project, PHOTOS, preset_options={})
    assert fit.options == {"in_channels": 3, "image_size": 224, "num_classes": 3}
    fit = fit_network(project, PHOTOS, preset_options={"num_classes": 5})
    assert "num_classes" not in fit.options and all(edit.role != "output" for edit in fit.edits)


def test_generators_and_decoders_draw_the_datas_images():
    for name, maker in (("gan", "generator"), ("vae", "decoder")):
        project = build_preset(name)
        apply_fit(project, fit_network(project, SMALL_RGB))
        assert not errors_of(project)
        report = validate_project(project)[maker]
        drawn = next(iter(report.output_shapes(project.networks[maker]).values()))
        assert tuple(drawn) == (3, 30, 30), name  # a preset takes square images: the shorter side


def test_a_last_layer_that_is_not_dense_is_left_to_the_user_with_a_note():
    project = Project(name="t")
    network = project.add_network(Network("net"))
    network.chain(network.add("Input", name="features", shape=(13, 4)), network.add("Flatten"), network.add("Output"))
    fit = fit_network(project, WEATHER)  # the Output is fed by a Flatten: no layer whose width could be set
    assert fit.notes == ["net: set 'flatten1' (Flatten) to give (1) yourself"]


def test_facts_describe_themselves_in_one_line():
    assert WINE.describe() == "wine.csv: 178 samples, 13 features, 3 classes (barbera, barolo, grignolino)"
    assert PHOTOS.describe().startswith("photos: 10,000 samples, 375x500 colour images")
    assert SINE.describe() == "sine: 1,200 samples, series of 1 value per step (any length), predicting 1 value"
