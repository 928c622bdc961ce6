"""What "auto" means lives in each layer's spec: the value it reports is the one the shape rule uses."""

from __future__ import annotations

import pytest

from graph.registry import all_specs
from graph.shapes import ShapeError

SAMPLE_SHAPES = [(3, 9, 9), (3, 16), (5, 4), (6,)]
AUTO_SPECS = [spec for spec in all_specs() if any(param.auto for param in spec.params)]


def accepted_inputs(spec):
    """The first sample input the layer's shape rule accepts with its defaults."""
    params = spec.defaults()
    for shape in SAMPLE_SHAPES:
        inputs = {port.name: [shape] * port.min_count for port in spec.inputs}
        try:
            return inputs, spec.infer_outputs(inputs, params)
        except ShapeError:
            continue
    raise AssertionError(f"{spec.type} accepts none of {SAMPLE_SHAPES}")


def test_the_layers_with_auto_parameters_are_the_expected_ones():
    assert {spec.type for spec in AUTO_SPECS} >= {"Linear", "Conv2d", "BatchNorm2d", "LSTM", "MaxPool2d"}


@pytest.mark.parametrize("spec", AUTO_SPECS, ids=lambda spec: spec.type)
def test_each_auto_value_is_what_the_shape_rule_uses(spec):
    params = spec.defaults()
    inputs, outputs = accepted_inputs(spec)
    values = spec.auto_values(inputs, params)
    assert set(values) == {param.name for param in spec.params if param.auto}
    for name, value in values.items():
        fixed = {**params, name: value}
        assert spec.infer_outputs(inputs, fixed) == outputs, name
        assert spec.count_params(inputs, fixed) == spec.count_params(inputs, params), name
        assert spec.auto_values(inputs, fixed) == {k: v for k, v in values.items() if k != name}
        other = tuple(v + 1 for v in value) if isinstance(value, tuple) else value + 1
        try:
            changed = spec.infer_outputs(inputs, {**params, name: other})
        except ShapeError:
            continue
        assert changed != outputs, f"{name}={other} should not give what auto gives"
