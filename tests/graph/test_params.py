"""Typed parameters: what a user may type for each kind, and the messages when it is wrong."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.params import MAX_DIM, MAX_RANK, Param, ParamError, Ref, format_value, is_ref_text, to_json_value

INT = Param("channels", "int", 8, minimum=1, maximum=512)
FLOAT = Param("lr", "float", 0.01, minimum=0.0, maximum=10.0)
BOOL = Param("bias", "bool", True)
CHOICE = Param("mode", "choice", "nearest", choices=("nearest", "bilinear"))
NUMBERS = Param("depth", "choice", 18, choices=(18, 34, 50))
INTS = Param("kernel_size", "ints", (3, 3), minimum=1, maximum=64)
PADDING = Param("padding", "padding", (0, 0), minimum=0, maximum=64)
SHAPE = Param("shape", "shape", (1, 28, 28), allow_infer_dim=True)
STR = Param("dataset", "str", "digits")
AUTO = Param("in_features", "int", None, minimum=1, auto=True)
ALL = (INT, FLOAT, BOOL, CHOICE, NUMBERS, INTS, PADDING, SHAPE, STR, AUTO)


@pytest.mark.parametrize(
    ("param", "typed", "expected"),
    [
        (INT, "16", 16),
        (INT, " 16 ", 16),
        (INT, 16.0, 16),
        (FLOAT, "0.5", 0.5),
        (FLOAT, 1, 1.0),
        (BOOL, "yes", True),
        (BOOL, "False", False),
        (BOOL, 0, False),
        (CHOICE, "bilinear", "bilinear"),
        (NUMBERS, "50", 50),
        (INTS, 5, (5, 5)),
        (INTS, "3x5", (3, 5)),
        (INTS, "(3, 5)", (3, 5)),
        (INTS, [3, 5], (3, 5)),
        (PADDING, "same", "same"),
        (PADDING, " Valid ", "valid"),
        (PADDING, 2, (2, 2)),
        (SHAPE, "1x32x32", (1, 32, 32)),
        (SHAPE, 13, (13,)),
        (SHAPE, [-1, 4], (-1, 4)),
        (STR, "iris", "iris"),
        (AUTO, "auto", None),
        (AUTO, None, None),
        (AUTO, "", None),
    ],
)
def test_what_users_type_becomes_the_canonical_value(param, typed, expected):
    assert param.coerce(typed) == expected


@pytest.mark.parametrize(
    ("param", "typed", "message"),
    [
        (INT, "many", "channels must be a whole number, got 'many'"),
        (INT, 1.5, "channels must be a whole number"),
        (INT, True, "channels must be a whole number, got True"),
        (INT, 0, "channels must be at least 1, got 0"),
        (INT, 513, "channels must be at most 512, got 513"),
        (INT, None, "channels: a value is required"),
        (FLOAT, "fast", "lr must be a number"),
        (FLOAT, float("nan"), "lr must be a finite number"),
        (FLOAT, "inf", "lr must be a finite number"),
        (FLOAT, -1, "lr must be at least 0"),
        (FLOAT, False, "lr must be a number"),
        (BOOL, "maybe", "bias must be true or false"),
        (BOOL, 2, "bias must be true or false"),
        (CHOICE, "cubic", "mode must be one of nearest, bilinear; got 'cubic'"),
        (NUMBERS, 17, "depth must be one of 18, 34, 50"),
        (INTS, "3x3x3", "kernel_size needs 2 numbers, got 3"),
        (INTS, 0, "kernel_size must be at least 1"),
        (INTS, "axb", "kernel_size must be a whole number"),
        (PADDING, "full", "padding must be a whole number"),
        (SHAPE, [], "shape needs 1 to 8 sizes, got 0"),
        (SHAPE, [1] * (MAX_RANK + 1), "shape needs 1 to 8 sizes"),
        (SHAPE, [MAX_DIM + 1], "every size must be between 1 and"),
        (SHAPE, [10**12], "every size must be between 1 and"),
        (SHAPE, [0, 3], "every size must be between 1 and"),
        (SHAPE, [-1, -1], "at most one size may be -1"),
        (STR, 5, "dataset must be text"),
        (STR, "x" * 5000, "dataset is too long"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_parameter(param, typed, message):
    with pytest.raises(ParamError) as caught:
        param.coerce(typed)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200


def test_minus_one_is_only_allowed_where_a_size_may_be_inferred():
    strict = Param("shape", "shape", (1,))
    with pytest.raises(ParamError, match="between 1 and"):
        strict.coerce([-1, 4])


def test_references_to_block_parameters_pass_through_unchanged():
    assert is_ref_text("$width")
    assert not is_ref_text("$2x")
    assert not is_ref_text("width")
    for param in ALL:
        assert param.coerce("$width") == Ref("width")
    assert to_json_value(Ref("width")) == "$width"


def test_auto_is_refused_where_a_value_is_required():
    with pytest.raises(ParamError, match="whole number"):
        INT.coerce("auto")


def test_canonical_values_survive_json():
    values = [INTS.coerce("3x5"), SHAPE.coerce("1x8x8"), PADDING.coerce("same"), FLOAT.coerce("0.1"), Ref("k")]
    params = [INTS, SHAPE, PADDING, FLOAT, INTS]
    for param, value in zip(params, values, strict=True):
        assert param.coerce(json.loads(json.dumps(to_json_value(value)))) == value


def test_format_value_writes_values_as_people_read_them():
    assert format_value(None) == "auto"
    assert format_value((3, 3)) == "3"
    assert format_value((1, 28, 28)) == "1x28x28"
    assert format_value(0.001) == "0.001"
    assert format_value("same") == "same"


ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@given(param=st.sampled_from(ALL), data=st.data())
def test_coerce_gives_a_canonical_value_or_a_param_error(param, data):
    value = data.draw(st.one_of(ANYTHING, st.just(param.default)))
    try:
        once = param.coerce(value)
    except ParamError:
        # So that the oracle can fail: the parameter's own default is always taken.
        assert value != param.default or type(value) is not type(param.default)
        return
    assert param.coerce(once) == once
    assert param.coerce(json.loads(json.dumps(to_json_value(once)))) == once


@given(param=st.sampled_from(ALL), data=st.data())
def test_typed_text_gives_a_canonical_value_or_a_param_error(param, data):
    default_text = format_value(param.default)
    text = data.draw(st.one_of(st.text(max_size=30), st.just(default_text)))
    try:
        once = param.coerce(text)
    except ParamError:
        # So that the oracle can fail: the default as the inspector writes it always reads back.
        assert text != default_text
        return
    assert param.coerce(once) == once
    if text == default_text:
        assert once == param.default
