"""Training settings: one schema for files, --set and the GUI."""

import pytest

from graph.params import ParamError
from graph.training_config import (
    OPTIMIZER_SETTINGS,
    OPTIMIZERS,
    TRAINING_PARAM_BY_NAME,
    coerce_training_config,
    coerce_training_value,
    parse_batch_size,
)


@pytest.mark.parametrize(
    ("text", "expected"), [("full", "full"), ("batch", "full"), ("stochastic", "1"), ("1", "1"), ("32", "32")]
)
def test_batch_modes_use_course_names(text, expected):
    assert coerce_training_value("batch_size", text) == expected


def test_batch_size_resolves_against_the_data():
    assert parse_batch_size("full", 1437) == 1437
    assert parse_batch_size("64", 10) == 10
    assert parse_batch_size("1", 10) == 1


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("lr", "fast", "lr must be a number"),
        ("lr", "-1", "at least 0"),
        ("optimizer", "adamax", "must be one of"),
        ("batch_size", "0", "batch_size"),
        ("augment", "rotate,warp", "unknown augmentation 'warp'"),
        ("epochz", "3", "unknown training setting 'epochz'"),
        ("epochs", "2.5", "whole number"),
    ],
)
def test_bad_values_name_the_setting(name, value, message):
    with pytest.raises(ParamError, match=message):
        coerce_training_value(name, value)


def test_strings_from_the_command_line_become_typed_values():
    config = coerce_training_config({"lr": "0.01", "epochs": "3", "restore_best": "no", "augment": "flip, rotate"})
    assert config["lr"] == 0.01 and config["epochs"] == 3 and config["restore_best"] is False
    assert config["augment"] == "flip,rotate"
    assert config["optimizer"] == "adam"


def test_the_optimizer_table_names_every_optimizer_and_only_training_settings():
    assert set(OPTIMIZER_SETTINGS) == set(OPTIMIZERS)
    for names in OPTIMIZER_SETTINGS.values():
        assert set(names) <= set(TRAINING_PARAM_BY_NAME) - {"optimizer", "lr"}
