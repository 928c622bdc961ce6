"""The project changes through its own methods, each telling its listeners with one typed event."""

from __future__ import annotations

import pytest

from graph.events import BlockAdded, BlockRemoved, TrainingChanged
from graph.network import Network
from graph.params import ParamError
from graph.presets import PresetError, build_preset, build_preset_with_settings, split_settings
from graph.project import BlockDefinition, Project


def test_set_training_checks_the_value_returns_the_old_one_and_tells_listeners():
    project = Project()
    heard = []
    project.subscribe(heard.append)
    old = project.training["lr"]
    assert project.set_training("lr", "0.05") == old
    assert project.training["lr"] == 0.05
    assert project.set_training("batch_size", "batch") == "64"
    assert heard == [TrainingChanged("lr", old, 0.05), TrainingChanged("batch_size", "64", "full")]


@pytest.mark.parametrize(("name", "value"), [("lr", "fast"), ("lr", -1), ("optimizer", "adamax"), ("colour", "red")])
def test_a_refused_training_value_changes_nothing_and_tells_no_one(name, value):
    project = Project()
    before = dict(project.training)
    heard = []
    project.subscribe(heard.append)
    with pytest.raises(ParamError, match=name):
        project.set_training(name, value)
    assert project.training == before
    assert heard == []


def test_blocks_come_and_go_with_events():
    project = Project()
    heard = []
    project.subscribe(heard.append)
    definition = project.add_block(BlockDefinition("Pair", Network("Pair")))
    with pytest.raises(ValueError, match="already exists"):
        project.add_block(BlockDefinition("Pair", Network("Pair")))
    assert project.remove_block("Pair") is definition
    assert heard == [BlockAdded(definition), BlockRemoved(definition)]
    project.unsubscribe(heard.append)
    project.add_block(definition)
    assert len(heard) == 2


def test_settings_split_into_preset_options_and_training_settings():
    assert split_settings("resnet", {"depth": "50", "lr": "0.1"}) == ({"depth": "50"}, {"lr": "0.1"})
    assert split_settings(None, {"lr": "0.1"}) == ({}, {"lr": "0.1"})
    with pytest.raises(PresetError, match="'colour': not an option of preset mlp .* nor a training setting"):
        split_settings("mlp", {"colour": "red"})
    with pytest.raises(PresetError, match="'depth': not a training setting"):
        split_settings(None, {"depth": "50"})
    with pytest.raises(PresetError, match="unknown preset 'nope'"):
        split_settings("nope", {})


def test_a_preset_built_with_settings_takes_options_and_training_settings():
    project = build_preset_with_settings("mlp", {"num_classes": "4", "lr": "0.5", "batch_size": "full"})
    assert (project.training["lr"], project.training["batch_size"]) == (0.5, "full")
    assert project.main.nodes != build_preset("mlp").main.nodes
    with pytest.raises(ParamError, match="lr"):
        build_preset_with_settings("mlp", {"lr": "fast"})
