"""Parameter counts of the recurrent and generative presets, worked out by hand from the layer formulas.

Every other count in the project comes from the project's own rules; these come from
PyTorch's documented weight shapes, written out with the arithmetic visible, and are
held against the summary (``Params of ...`` / ``Total params``) and the compiled model.

The formulas (PyTorch's shapes; every layer here has its biases):
- ``Linear(i, o)``: an ``o x i`` weight and ``o`` biases: ``o*i + o``.
- ``Embedding(v, d)``: one ``d``-vector per token: ``v*d``.
- a recurrent layer of ``g`` gate blocks (RNN 1, GRU 3, LSTM 4), input ``i``, hidden ``h``:
  per layer and direction ``g * (h*i + h*h + 2*h)`` (``W_ih``, ``W_hh``, ``b_ih``, ``b_hh``);
  layers above the first read ``h`` features, or ``2*h`` when bidirectional.

One small function per network, so a preset that changes shape (the GAN is becoming a
DCGAN) changes only its own function.
"""

from __future__ import annotations

import pytest

from backend.compiler import build_models, count_parameters
from backend.summary import project_summary
from graph.presets import build_preset

RNN, GRU, LSTM = 1, 3, 4  # gate blocks per cell


def linear(inputs: int, outputs: int) -> int:
    return outputs * inputs + outputs


def recurrent(gates: int, inputs: int, hidden: int, layers: int = 1, bidirectional: bool = False) -> int:
    directions = 2 if bidirectional else 1
    total = 0
    for layer in range(layers):
        layer_inputs = inputs if layer == 0 else hidden * directions
        total += directions * gates * (hidden * layer_inputs + hidden * hidden + 2 * hidden)
    return total


# -- one function per network: the preset's defaults unless options say otherwise ------------------
def forecaster(gates: int, hidden: int = 32, layers: int = 1, bidirectional: bool = False) -> int:
    """Input (T, 1) -> cell -> last time step -> Linear(1)."""
    features = hidden * (2 if bidirectional else 1)
    return recurrent(gates, 1, hidden, layers, bidirectional) + linear(features, 1)


def seq2seq(vocab: int = 10, embedding: int = 16, hidden: int = 64, layers: int = 1) -> int:
    """Embedding -> GRU encoder -> its state repeated -> GRU decoder (reads h) -> Linear(vocab)."""
    return (
        vocab * embedding
        + recurrent(GRU, embedding, hidden, layers)
        + recurrent(GRU, hidden, hidden, layers)
        + linear(hidden, vocab)
    )


def vae_encoder(pixels: int = 1 * 16 * 16, hidden: int = 256, latent: int = 16) -> int:
    """Flatten -> fc(hidden) -> ReLU -> fc_mu(latent) and fc_logvar(latent)."""
    return linear(pixels, hidden) + 2 * linear(hidden, latent)


def vae_decoder(pixels: int = 1 * 16 * 16, hidden: int = 256, latent: int = 16) -> int:
    """fc1(hidden) -> ReLU -> fc2(pixels) -> Sigmoid -> Reshape."""
    return linear(latent, hidden) + linear(hidden, pixels)


def gan_generator(pixels: int = 1 * 16 * 16, hidden: int = 256, latent: int = 32) -> int:
    """The dense GAN of main today: noise -> fc1(hidden/2) -> fc2(hidden) -> fc3(pixels) -> Tanh."""
    return linear(latent, hidden // 2) + linear(hidden // 2, hidden) + linear(hidden, pixels)


def gan_discriminator(pixels: int = 1 * 16 * 16, hidden: int = 256) -> int:
    """Flatten -> fc1(hidden) -> fc2(hidden/2) -> fc3(1 logit)."""
    return linear(pixels, hidden) + linear(hidden, hidden // 2) + linear(hidden // 2, 1)


def test_the_formulas_give_the_numbers_worked_out_on_paper():
    # RNN, hidden 32, one input feature: 32*1 + 32*32 + 2*32 = 1,120; fc 32*1 + 1 = 33
    assert forecaster(RNN) == 1_120 + 33 == 1_153
    # LSTM: 4 gate blocks of 1,120
    assert forecaster(LSTM) == 4 * 1_120 + 33 == 4_513
    # GRU: 3 gate blocks of 1,120
    assert forecaster(GRU) == 3 * 1_120 + 33 == 3_393
    # 2 bidirectional LSTM layers of 8: layer 1 2*4*(8*1 + 64 + 16) = 704, layer 2 reads 16:
    # 2*4*(8*16 + 64 + 16) = 1,664; fc reads 16: 17
    assert forecaster(LSTM, hidden=8, layers=2, bidirectional=True) == 704 + 1_664 + 17
    # seq2seq: embedding 10*16 = 160; encoder 3*(64*16 + 64*64 + 128) = 15,744;
    # decoder 3*(64*64 + 64*64 + 128) = 24,960; classifier 64*10 + 10 = 650
    assert seq2seq() == 160 + 15_744 + 24_960 + 650 == 41_514
    # VAE: encoder 256*256+256 + 2*(256*16+16) = 65,792 + 8,224; decoder 16*256+256 + 256*256+256
    assert vae_encoder() == 65_792 + 8_224 == 74_016
    assert vae_decoder() == 4_352 + 65_792 == 70_144
    # GAN: generator 32*128+128 + 128*256+256 + 256*256+256; discriminator 256*256+256 + 256*128+128 + 128+1
    assert gan_generator() == 4_224 + 33_024 + 65_792 == 103_040
    assert gan_discriminator() == 65_792 + 32_896 + 129 == 98_817


CASES = [
    ("rnn", {}, {"rnn": forecaster(RNN)}),
    ("lstm", {}, {"lstm": forecaster(LSTM)}),
    ("gru", {}, {"gru": forecaster(GRU)}),
    (
        "lstm",
        {"hidden_size": 8, "num_layers": 2, "bidirectional": True},
        {"lstm": forecaster(LSTM, hidden=8, layers=2, bidirectional=True)},
    ),
    ("gru", {"hidden_size": 5, "num_layers": 3}, {"gru": forecaster(GRU, hidden=5, layers=3)}),
    ("seq2seq", {}, {"seq2seq": seq2seq()}),
    (
        "seq2seq",
        {"vocab_size": 7, "embedding_dim": 3, "hidden_size": 4, "num_layers": 2},
        {"seq2seq": seq2seq(vocab=7, embedding=3, hidden=4, layers=2)},
    ),
    ("vae", {}, {"encoder": vae_encoder(), "decoder": vae_decoder()}),
    ("gan", {}, {"generator": gan_generator(), "discriminator": gan_discriminator()}),
]


@pytest.mark.parametrize(
    ("preset", "options", "expected"), CASES, ids=[f"{name}{'-' + str(len(o)) if o else ''}" for name, o, _ in CASES]
)
def test_summary_and_compiled_model_hold_the_hand_count(preset, options, expected):
    project = build_preset(preset, options)
    lines, _ = project_summary(project)
    if len(expected) > 1:  # one "Params of NAME: N" line per network
        assert {name: _count(lines, name) for name in expected} == expected
    assert _total(lines) == sum(expected.values())
    models, _ = build_models(project)
    assert {name: count_parameters(model) for name, model in models.items()} == expected


def _count(lines: list[str], network: str) -> int:
    return int(
        next(line for line in lines if line.startswith(f"Params of {network}: ")).split(": ")[1].replace(",", "")
    )


def _total(lines: list[str]) -> int:
    assert lines[-1].startswith("Total params: ")
    return int(lines[-1].removeprefix("Total params: ").replace(",", ""))
