"""Shape rules, parameter counts and code templates of the layer library, checked by hand.

Each expected value here was worked out from PyTorch's documented formulas (the
parity tests in tests/backend confirm them against torch itself). No torch here:
graph tests run without it.
"""

from __future__ import annotations

import pytest

from graph.network import Network
from graph.params import ParamError
from graph.registry import categories, get_spec
from graph.shapes import ShapeError
from graph.spec import ForwardContext
from graph.validation import validate_network

PALETTE = ["Input / Output", "Core", "Activation", "Convolution", "Pooling", "Normalization", "Regularization"]
PALETTE += ["Merge", "Recurrent", "Generative", "Imported"]


def params_of(type_name: str, **values) -> dict:
    spec = get_spec(type_name)
    merged = {**spec.defaults(), **values}
    return {p.name: p.coerce(merged[p.name]) for p in spec.params}


def infer(type_name: str, inputs, **values):
    """Output shape(s): a tuple for single-output layers, else a dict by port."""
    spec = get_spec(type_name)
    if not isinstance(inputs, dict):
        inputs = {"x": [tuple(inputs)]}
    result = spec.infer_outputs(inputs, params_of(type_name, **values))
    return result if len(result) > 1 else next(iter(result.values()))


def count(type_name: str, shape, **values) -> int:
    return get_spec(type_name).count_params({"x": [tuple(shape)]}, params_of(type_name, **values))


def refusal(type_name: str, inputs, **values) -> str:
    with pytest.raises(ShapeError) as caught:
        infer(type_name, inputs, **values)
    return caught.value.message


def build(type_name: str, shape, **values) -> str:
    return get_spec(type_name).build({"x": [tuple(shape)]}, params_of(type_name, **values))


def forward(type_name: str, inputs: dict, outputs: dict, shapes: dict | None = None, module: str = "", **values):
    ctx = ForwardContext(module, inputs, outputs, params_of(type_name, **values), shapes or {})
    return get_spec(type_name).forward(ctx)


# -- the catalogue ------------------------------------------------------------------------------------------
def test_palette_groups_come_in_order():
    assert list(categories()) == PALETTE


def test_every_spec_explains_itself_and_faces_real_params():
    for group, specs in categories().items():
        for spec in specs:
            names = {p.name for p in spec.params}
            assert len(spec.doc) > 60, spec.type
            assert set(spec.face) <= names, spec.type
            assert len(spec.face) <= 3, spec.type
            if group not in ("Input / Output", "Core", "Activation") and names:
                assert spec.face, f"{spec.type} shows none of its parameters on its node"
            for param in spec.params:
                assert param.coerce(param.default) == param.default, (spec.type, param.name)


@pytest.mark.parametrize(
    ("type_name", "names"),
    [
        ("Conv1d", "in_channels out_channels kernel_size stride padding dilation groups bias"),
        ("Conv2d", "in_channels out_channels kernel_size stride padding dilation groups bias"),
        ("ConvTranspose2d", "in_channels out_channels kernel_size stride padding output_padding bias"),
        ("MaxPool2d", "kernel_size stride padding ceil_mode"),
        ("AvgPool2d", "kernel_size stride padding ceil_mode"),
        ("AdaptiveAvgPool2d", "output_size"),
        ("GlobalAvgPool", ""),
        ("GlobalMaxPool", ""),
        ("Upsample", "scale_factor mode"),
        ("Dropout", "p"),
        ("BatchNorm1d", "num_features eps momentum affine"),
        ("BatchNorm2d", "num_features eps momentum affine"),
        ("LayerNorm", "dims eps elementwise_affine"),
        ("LocalResponseNorm", "size alpha beta k"),
        ("Add", ""),
        ("Concat", "dim"),
        ("Slice", "dim start end"),
        ("ChannelShuffle", "groups"),
        ("Multiply", ""),
        ("Embedding", "num_embeddings embedding_dim"),
        ("RNN", "input_size hidden_size num_layers nonlinearity bidirectional dropout bias"),
        ("LSTM", "input_size hidden_size num_layers bidirectional dropout bias"),
        ("GRU", "input_size hidden_size num_layers bidirectional dropout bias"),
        ("LastTimestep", ""),
        ("RepeatVector", "times"),
        ("Reparameterize", ""),
    ],
)
def test_catalogue_names(type_name, names):
    assert [p.name for p in get_spec(type_name).params] == names.split()


def test_ports_of_multi_port_layers():
    assert [(p.name, p.min_count, p.max_count) for p in get_spec("Add").inputs] == [("x", 2, None)]
    assert [(p.name, p.min_count, p.max_count) for p in get_spec("Concat").inputs] == [("x", 2, None)]
    lstm = get_spec("LSTM")
    assert [(p.name, p.min_count) for p in lstm.inputs] == [("x", 1), ("initial_state", 0)]
    assert lstm.outputs == ("sequence", "state")
    assert [p.name for p in get_spec("Reparameterize").inputs] == ["mu", "logvar"]
    assert get_spec("Reparameterize").outputs == ("z",)


@pytest.mark.parametrize(
    ("type_name", "name", "bad"),
    [("Dropout", "p", 1.0), ("Dropout", "p", -0.1), ("Conv2d", "kernel_size", 0), ("Conv2d", "stride", (1, 0))],
)
def test_out_of_range_values_are_refused(type_name, name, bad):
    with pytest.raises(ParamError, match=name):
        get_spec(type_name).param(name).coerce(bad)


# -- convolution ---------------------------------------------------------------------------------------------
def test_lenet5_feature_maps_and_counts():
    assert infer("Conv2d", (1, 32, 32), out_channels=6, kernel_size=5) == (6, 28, 28)
    assert count("Conv2d", (1, 32, 32), out_channels=6, kernel_size=5) == 6 * 25 + 6
    assert infer("AvgPool2d", (6, 28, 28), kernel_size=2) == (6, 14, 14)
    assert infer("Conv2d", (6, 14, 14), out_channels=16, kernel_size=5) == (16, 10, 10)
    assert count("Conv2d", (6, 14, 14), out_channels=16, kernel_size=5) == 16 * 6 * 25 + 16
    assert infer("MaxPool2d", (16, 10, 10), kernel_size=2) == (16, 5, 5)


def test_alexnet_first_stage_uses_floor_division():
    assert infer("Conv2d", (3, 224, 224), out_channels=64, kernel_size=11, stride=4, padding=2) == (64, 55, 55)
    assert infer("MaxPool2d", (64, 55, 55), kernel_size=3, stride=2) == (64, 27, 27)
    assert infer("Conv2d", (3, 32, 32), out_channels=8, kernel_size=3, stride=2) == (8, 15, 15)


def test_same_and_valid_padding():
    assert infer("Conv2d", (3, 17, 9), out_channels=4, kernel_size=(3, 4), padding="same") == (4, 17, 9)
    assert infer("Conv2d", (3, 17, 9), out_channels=4, kernel_size=3, padding="same", dilation=3) == (4, 17, 9)
    assert infer("Conv2d", (3, 17, 9), out_channels=4, kernel_size=3, padding="valid") == (4, 15, 7)
    message = refusal("Conv2d", (3, 16, 16), kernel_size=3, stride=2, padding="same")
    assert message.startswith("padding 'same' works only with stride 1 (stride is 2)")


def test_dilation_widens_the_kernel():
    assert infer("Conv2d", (1, 10, 10), out_channels=2, kernel_size=3, dilation=2) == (2, 6, 6)
    assert infer("Conv1d", (1, 10), out_channels=2, kernel_size=3, dilation=4) == (2, 2)
    message = refusal("Conv2d", (1, 8, 8), kernel_size=5, dilation=2)
    assert message == "dilated kernel 9x9 (kernel 5x5, dilation 2x2) is larger than its padded 8x8 input"


def test_kernel_larger_than_input_is_an_error_not_a_negative_size():
    assert refusal("Conv2d", (1, 4, 4), kernel_size=5) == "kernel 5x5 is larger than its padded 4x4 input"
    assert refusal("Conv1d", (1, 2), kernel_size=4, padding=0) == "kernel 4 is larger than its padded 2 input"
    assert infer("Conv2d", (1, 4, 4), out_channels=1, kernel_size=5, padding=1) == (1, 2, 2)


def test_conv1d_on_sequences():
    assert infer("Conv1d", (4, 20), out_channels=8, kernel_size=5, stride=2) == (8, 8)
    assert count("Conv1d", (4, 20), out_channels=8, kernel_size=5, bias=False) == 8 * 4 * 5


def test_groups_divide_channels_and_weights():
    assert count("Conv2d", (8, 5, 5), out_channels=8, kernel_size=3, groups=8) == 8 * 1 * 9 + 8
    assert count("Conv2d", (8, 5, 5), out_channels=16, kernel_size=3, groups=2) == 16 * 4 * 9 + 16
    assert "do not split into 3" in refusal("Conv2d", (8, 5, 5), out_channels=9, kernel_size=3, groups=3)
    assert "out_channels 10 does not split" in refusal("Conv2d", (8, 5, 5), out_channels=10, kernel_size=3, groups=4)


def test_in_channels_is_inferred_or_checked():
    assert count("Conv2d", (3, 8, 8), in_channels=3, out_channels=4, kernel_size=1) == 16
    message = refusal("Conv2d", (1, 8, 8), in_channels=3, out_channels=4)
    assert message == "in_channels is 3 but gets (1, 8, 8) with 1 channel; set in_channels to 1 or to auto"


def test_unknown_sizes_propagate():
    assert infer("Conv2d", (3, None, 32), out_channels=4, kernel_size=5) == (4, None, 28)
    assert infer("Conv1d", (3, None), out_channels=4, kernel_size=3, padding="same") == (4, None)
    assert infer("MaxPool2d", (3, 8, None)) == (3, 4, None)
    assert "known number of channels" in refusal("Conv2d", (None, 8, 8))


def test_transposed_convolution_grows_the_image():
    assert infer("ConvTranspose2d", (16, 7, 7), out_channels=8) == (8, 14, 14)
    assert infer("ConvTranspose2d", (16, 7, 7), out_channels=8, kernel_size=3, padding=1, output_padding=1) == (
        8,
        14,
        14,
    )
    assert infer("ConvTranspose2d", (4, 1, 1), out_channels=2, kernel_size=4, stride=1, padding=0) == (2, 4, 4)
    assert count("ConvTranspose2d", (16, 7, 7), out_channels=8) == 16 * 8 * 16 + 8
    assert "must be smaller than stride" in refusal("ConvTranspose2d", (4, 3, 3), stride=2, output_padding=2)
    assert "trims away the whole output" in refusal("ConvTranspose2d", (4, 1, 1), kernel_size=1, stride=1, padding=1)


def test_conv_code_reads_like_hand_written_pytorch():
    assert build("Conv2d", (1, 32, 32), out_channels=6, kernel_size=5) == "nn.Conv2d(1, 6, kernel_size=5)"
    text = build("Conv2d", (3, 8, 8), out_channels=4, kernel_size=(3, 1), stride=2, padding="same", bias=False)
    assert text == "nn.Conv2d(3, 4, kernel_size=(3, 1), stride=2, padding='same', bias=False)"
    assert (
        build("Conv1d", (4, 9), out_channels=2, kernel_size=3, groups=2) == "nn.Conv1d(4, 2, kernel_size=3, groups=2)"
    )
    assert build("ConvTranspose2d", (8, 4, 4), out_channels=3) == (
        "nn.ConvTranspose2d(8, 3, kernel_size=4, stride=2, padding=1)"
    )
    in_block = params_of("Conv2d", in_channels="$channels", out_channels="$channels", stride="$stride")
    text = get_spec("Conv2d").build({"x": [(64, 8, 8)]}, in_block)
    assert text == "nn.Conv2d(channels, channels, kernel_size=3, stride=stride)"


# -- pooling ------------------------------------------------------------------------------------------------
def test_pooling_windows():
    assert infer("MaxPool2d", (64, 112, 112), kernel_size=3, stride=2, padding=1) == (64, 56, 56)
    assert infer("AvgPool2d", (6, 7, 7), kernel_size=2) == (6, 3, 3)
    assert refusal("MaxPool2d", (3, 1, 1), kernel_size=2) == "window 2x2 is larger than its padded 1x1 input"
    assert "more than half the window" in refusal("MaxPool2d", (3, 8, 8), kernel_size=2, padding=2)
    assert build("MaxPool2d", (3, 8, 8)) == "nn.MaxPool2d(2)"
    assert build("MaxPool2d", (3, 8, 8), kernel_size=3, stride=2, padding=1) == "nn.MaxPool2d(3, stride=2, padding=1)"


def test_adaptive_and_global_pooling():
    assert infer("AdaptiveAvgPool2d", (256, 13, 13), output_size=6) == (256, 6, 6)
    assert infer("GlobalAvgPool", (512, 7, 7)) == (512,)
    assert infer("GlobalMaxPool", (16, 30)) == (16,)
    assert refusal("GlobalAvgPool", (120,)) == "needs a (C, H, W) or (C, L) input but gets (120)"
    lines = forward("GlobalAvgPool", {"x": ["conv5"]}, {"out": "gap"}, {"x": [(512, 7, 7)]})
    assert lines == ["gap = torch.mean(conv5, dim=(2, 3))"]
    lines = forward("GlobalMaxPool", {"x": ["conv5"]}, {"out": "gmp"}, {"x": [(16, 30)]})
    assert lines == ["gmp = torch.amax(conv5, dim=2)"]


def test_upsample():
    assert infer("Upsample", (8, 7, 5), scale_factor=2) == (8, 14, 10)
    assert infer("Upsample", (8, 7), scale_factor=3) == (8, 21)
    assert refusal("Upsample", (8, 7), mode="bilinear") == "needs a (C, H, W) input but gets (8, 7)"
    assert build("Upsample", (8, 7, 5), mode="bilinear") == "nn.Upsample(scale_factor=2, mode='bilinear')"


# -- normalization --------------------------------------------------------------------------------------------
def test_batch_norm_counts_only_trainable_parameters():
    assert infer("BatchNorm2d", (64, 8, 8)) == (64, 8, 8)
    assert count("BatchNorm2d", (64, 8, 8)) == 128
    assert count("BatchNorm2d", (64, 8, 8), affine=False) == 0
    assert count("BatchNorm1d", (10, 5)) == 20
    assert refusal("BatchNorm1d", (3, 8, 8)) == "needs a (C) or (C, L) input but gets (3, 8, 8)"
    assert refusal("BatchNorm2d", (3, 8, 8), num_features=4).startswith("num_features is 4 but gets (3, 8, 8)")
    assert build("BatchNorm2d", (64, 8, 8)) == "nn.BatchNorm2d(64)"
    assert build("BatchNorm1d", (64,), eps=1e-3, affine=False) == "nn.BatchNorm1d(64, eps=0.001, affine=False)"


def test_layer_norm_over_trailing_dimensions():
    assert count("LayerNorm", (10, 32)) == 64
    assert count("LayerNorm", (4, 8, 8), dims=2) == 2 * 64
    assert build("LayerNorm", (10, 32)) == "nn.LayerNorm(32)"
    assert build("LayerNorm", (4, 8, 6), dims=2, elementwise_affine=False) == (
        "nn.LayerNorm((8, 6), elementwise_affine=False)"
    )
    in_block = get_spec("LayerNorm").build({"x": [(4, 8, 6)]}, params_of("LayerNorm", dims="$dims"))
    assert in_block == "nn.LayerNorm((4, 8, 6)[-dims:])"
    assert refusal("LayerNorm", (32,), dims=2).startswith("dims is 2 but gets (32)")


def test_local_response_norm_writes_torchs_defaults_not_ours():
    assert build("LocalResponseNorm", (96, 55, 55)) == "nn.LocalResponseNorm(5, k=2.0)"
    assert build("LocalResponseNorm", (96, 55, 55), k=1.0, beta=0.5) == "nn.LocalResponseNorm(5, beta=0.5)"
    assert refusal("LocalResponseNorm", (96,)).startswith("needs a (C, H, W) or (C, L) input")


def test_dropout():
    assert infer("Dropout", (7, 3)) == (7, 3)
    assert build("Dropout", (7,)) == "nn.Dropout()"
    assert build("Dropout", (7,), p=0.2) == "nn.Dropout(0.2)"


# -- merge ------------------------------------------------------------------------------------------------------
def test_add_and_multiply_need_equal_shapes():
    assert infer("Add", {"x": [(64, 8, 8)] * 3}) == (64, 8, 8)
    assert infer("Multiply", {"x": [(64, None, 8), (64, 8, None)]}) == (64, 8, 8)
    message = refusal("Add", {"x": [(64, 8, 8), (128, 4, 4)]})
    assert message == "needs inputs of the same shape, but they are (64, 8, 8) and (128, 4, 4)"
    assert forward("Add", {"x": ["conv3", "shortcut"]}, {"out": "add1"}) == ["add1 = conv3 + shortcut"]
    assert forward("Multiply", {"x": ["a", "b", "c"]}, {"out": "gate"}) == ["gate = a * b * c"]


def test_multiply_stretches_a_size_of_one_as_a_gate_does():
    assert infer("Multiply", {"x": [(64, 8, 8), (64, 1, 1)]}) == (64, 8, 8)
    assert infer("Multiply", {"x": [(1, 8, 1), (64, 1, 5)]}) == (64, 8, 5)
    assert infer("Multiply", {"x": [(None, 8, 8), (64, 1, 1)]}) == (64, 8, 8)
    assert infer("Multiply", {"x": [(None, 8), (1, 8)]}) == (None, 8)
    assert refusal("Multiply", {"x": [(64, 8, 8), (32, 1, 1)]}) == (
        "needs inputs of the same shape, or with size 1 where they differ (it is stretched), "
        "but they are (64, 8, 8) and (32, 1, 1)"
    )
    assert refusal("Multiply", {"x": [(64, 8, 8), (64,)]}).startswith("needs inputs of the same shape")
    assert refusal("Add", {"x": [(64, 8, 8), (64, 1, 1)]}).startswith("needs inputs of the same shape, but")


def test_slice_keeps_a_range_along_one_dimension():
    assert infer("Slice", (128, 8, 8), dim=1, start=0, end=64) == (64, 8, 8)
    assert infer("Slice", (128, 8, 8), dim=1, start=64) == (64, 8, 8)
    assert infer("Slice", (128, 8, 8), dim=-1, start=-3) == (128, 8, 3)
    assert infer("Slice", (None, 8), dim=1, start=2, end=5) == (3, 8)
    assert get_spec("Slice").auto_values({"x": [(128, 8, 8)]}, params_of("Slice", dim=2)) == {"end": 8}
    assert refusal("Slice", (128, 8, 8), dim=1, start=64, end=64).startswith("takes nothing: positions 64 to 64")
    assert refusal("Slice", (128, 8, 8), dim=1, end=200) == (
        "end=200 lies outside the 128 position(s) along dim 1; use -128 to 128 (negative: counted from the end)"
    )
    assert refusal("Slice", (128, 8, 8), dim=0).startswith("cannot slice along dim 0")
    assert refusal("Slice", (128, 8, 8), dim=4).startswith("cannot slice along dim 4")
    assert forward("Slice", {"x": ["x1"]}, {"out": "head"}, dim=1, end=64) == ["head = x1[:, :64]"]
    assert forward("Slice", {"x": ["x1"]}, {"out": "tail"}, dim=2, start=3) == ["tail = x1[:, :, 3:]"]
    assert forward("Slice", {"x": ["x1"]}, {"out": "last"}, dim=-2, start=-2, end=-1) == ["last = x1[..., -2:-1, :]"]


def test_ceil_mode_pools_keep_a_last_partial_window():
    assert infer("MaxPool2d", (64, 112, 112), kernel_size=(3, 3), stride=(2, 2)) == (64, 55, 55)
    assert infer("MaxPool2d", (64, 112, 112), kernel_size=(3, 3), stride=(2, 2), ceil_mode=True) == (64, 56, 56)
    # the last window must start inside the input or its left padding (PyTorch drops one that would not)
    assert infer("AvgPool2d", (1, 5, 5), kernel_size=(2, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True) == (1, 3, 3)
    assert build("MaxPool2d", (64, 112, 112), kernel_size=(3, 3), stride=(2, 2), ceil_mode=True) == (
        "nn.MaxPool2d(3, stride=2, ceil_mode=True)"
    )


def test_channel_shuffle_interleaves_groups_of_channels():
    assert infer("ChannelShuffle", (24, 8, 8), groups=3) == (24, 8, 8)
    assert refusal("ChannelShuffle", (24, 8, 8), groups=5) == (
        "cannot share 24 channels among 5 groups; choose groups that divide it"
    )
    assert refusal("ChannelShuffle", (24,)).startswith("needs channels and at least one more axis")
    assert build("ChannelShuffle", (24, 8, 8), groups=3) == "nn.ChannelShuffle(3)"


def test_concat():
    assert infer("Concat", {"x": [(64, 8, 8), (32, 8, 8)]}) == (96, 8, 8)
    assert infer("Concat", {"x": [(5, 3), (5, 4), (5, 1)]}, dim=-1) == (5, 8)
    assert infer("Concat", {"x": [(5, 3), (None, 4)]}, dim=2) == (5, 7)
    assert infer("Concat", {"x": [(None, 4), (5, 4)]}, dim=1) == (None, 4)
    message = refusal("Concat", {"x": [(64, 8, 8), (32, 4, 4)]})
    assert (
        message == "needs the other sizes to match to concatenate along dim 1, but they are (64, 8, 8) and (32, 4, 4)"
    )
    assert "same number of dimensions" in refusal("Concat", {"x": [(64, 8, 8), (120,)]})
    assert refusal("Concat", {"x": [(4,), (4,)]}, dim=2).startswith("cannot concatenate along dim 2")
    assert refusal("Concat", {"x": [(4,), (4,)]}, dim=0).startswith("cannot concatenate along dim 0")
    lines = forward("Concat", {"x": ["a", "b"]}, {"out": "cat1"})
    assert lines == ["cat1 = torch.cat((a, b), dim=1)"]


# -- recurrent --------------------------------------------------------------------------------------------------
def test_embedding():
    assert infer("Embedding", (12,), num_embeddings=100, embedding_dim=16) == (12, 16)
    assert count("Embedding", (12,), num_embeddings=100, embedding_dim=16) == 1600
    assert refusal("Embedding", (1, 28, 28)) == "needs a (T) sequence of token ids but gets (1, 28, 28)"


def test_lstm_bidirectional_state_joins_both_directions():
    assert infer("LSTM", (10, 3), hidden_size=20, bidirectional=True) == {"sequence": (10, 40), "state": (40,)}
    assert count("LSTM", (10, 3), hidden_size=20, bidirectional=True) == 2 * (4 * 20 * (3 + 20) + 2 * 4 * 20)
    stacked = 2 * (4 * 20 * 23 + 160) + 2 * (4 * 20 * (40 + 20) + 160)
    assert count("LSTM", (10, 3), hidden_size=20, bidirectional=True, num_layers=2) == stacked


def test_gru_and_rnn_counts_and_shapes():
    assert infer("GRU", (None, 5), hidden_size=8) == {"sequence": (None, 8), "state": (8,)}
    assert count("GRU", (7, 5), hidden_size=8) == 3 * 8 * (5 + 8) + 2 * 3 * 8
    assert count("RNN", (7, 5), hidden_size=8, bias=False) == 8 * (5 + 8)
    assert refusal("RNN", (1, 28, 28)) == "needs a (T, F) input but gets (1, 28, 28)"
    assert refusal("GRU", (7, 5), input_size=4).startswith("expects 4 features per step (input_size) but gets (7, 5)")
    assert refusal("LSTM", (7, 5), dropout=0.2).startswith("dropout acts only between stacked layers")


def test_initial_state_must_match_hidden_size_and_direction():
    inputs = {"x": [(7, 5)], "initial_state": [(8,)]}
    assert infer("GRU", inputs, hidden_size=8, num_layers=3)["state"] == (8,)
    assert refusal("GRU", inputs, hidden_size=6).startswith("needs an initial_state of shape (6) (hidden_size)")
    assert refusal("LSTM", inputs, hidden_size=4, bidirectional=True).startswith("takes an initial_state only")


def test_recurrent_code_uses_batch_first_and_the_last_layers_state():
    assert build("LSTM", (10, 1), hidden_size=32, num_layers=2) == "nn.LSTM(1, 32, num_layers=2, batch_first=True)"
    assert build("RNN", (10, 3), hidden_size=4, nonlinearity="relu", bidirectional=True) == (
        "nn.RNN(3, 4, nonlinearity='relu', batch_first=True, bidirectional=True)"
    )
    lines = forward("GRU", {"x": ["emb"]}, {"sequence": "_", "state": "gru1_state"}, module="self.gru1")
    assert lines == ["_, gru1_h = self.gru1(emb)", "gru1_state = gru1_h[-1]"]
    lines = forward(
        "LSTM", {"x": ["seq"]}, {"sequence": "lstm1_sequence", "state": "lstm1_state"}, module="self.lstm1",
        bidirectional=True,
    )  # fmt: skip
    assert lines == [
        "lstm1_sequence, (lstm1_h, _) = self.lstm1(seq)",
        "lstm1_state = torch.cat((lstm1_h[-2], lstm1_h[-1]), dim=1)",
    ]


def test_initial_state_code_feeds_every_layer():
    inputs = {"initial_state": ["enc_state"], "x": ["repeat1"]}
    lines = forward("LSTM", inputs, {"sequence": "dec", "state": "_"}, module="self.dec", num_layers=2)
    assert lines == [
        "dec_h0 = enc_state.unsqueeze(0).expand(2, -1, -1).contiguous()",
        "dec, _ = self.dec(repeat1, (dec_h0, torch.zeros_like(dec_h0)))",
    ]
    lines = forward("GRU", inputs, {"sequence": "dec", "state": "_"}, module="self.dec", num_layers="$layers")
    assert lines[0] == "dec_h0 = enc_state.unsqueeze(0).expand(self.dec.num_layers, -1, -1).contiguous()"
    assert lines[1] == "dec, _ = self.dec(repeat1, dec_h0)"


def test_last_timestep_and_repeat_vector():
    assert infer("LastTimestep", (50, 32)) == (32,)
    assert infer("LastTimestep", (None, 32)) == (32,)
    assert refusal("LastTimestep", (32,)) == "needs a (T, F) input but gets (32)"
    assert forward("LastTimestep", {"x": ["seq"]}, {"out": "last"}) == ["last = seq[:, -1]"]
    assert infer("RepeatVector", (16,), times=12) == (12, 16)
    assert forward("RepeatVector", {"x": ["s"]}, {"out": "r"}, times=12) == ["r = s.unsqueeze(1).repeat(1, 12, 1)"]


# -- generative -----------------------------------------------------------------------------------------------
def test_reparameterize():
    assert infer("Reparameterize", {"mu": [(16,)], "logvar": [(16,)]}) == (16,)
    message = refusal("Reparameterize", {"mu": [(16,)], "logvar": [(8,)]})
    assert message == "needs mu and logvar of the same shape, but they are (16) and (8)"
    lines = forward("Reparameterize", {"mu": ["mu"], "logvar": ["logvar"]}, {"z": "z"})
    assert lines == ["z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu"]


# -- through the validator: the sender is named --------------------------------------------------------------
def test_validator_words_errors_with_the_sender():
    net = Network("net")
    image = net.add("Input", name="image", shape=(1, 4, 4))
    conv = net.add("Conv2d", name="conv1", out_channels=4, kernel_size=5)
    net.chain(image, conv, net.add("Output"))
    report = validate_network(net)
    assert [p.message for p in report.errors] == ["Conv2d 'conv1': kernel 5x5 is larger than its padded 4x4 input"]
    net.set_param(conv.id, "kernel_size", (3, 3))
    net.set_param(conv.id, "in_channels", 3)
    report = validate_network(net)
    assert [p.message for p in report.errors] == [
        "Conv2d 'conv1': in_channels is 3 but 'image' gives (1, 4, 4) with 1 channel; set in_channels to 1 or to auto"
    ]
    assert report.errors[0].port == "x"
