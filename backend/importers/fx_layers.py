"""Known PyTorch modules as NetCanvas layers: the layer type and its settings, read from the module.

`layer_for_module` maps a module of one of the classes in `MODULE_LAYERS` (exact class,
not subclasses: a subclass may change ``forward``) to ``(type, params)`` with checked
values. A module whose settings the layer cannot express (a convolution with
``padding_mode="reflect"``, an LSTM with ``batch_first=False``) raises `Unmappable`
naming the setting, and the importer keeps it as a Module node instead.

Recurrent layers are mapped here too; what their outputs become (``sequence`` and
``state``) is the importer's business, since that depends on how ``forward`` uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from backend.importers.common import Unmappable, checked_params

Converter = Callable[[nn.Module], tuple[str, dict[str, Any]]]
RECURRENT = (nn.RNN, nn.LSTM, nn.GRU)


def _pair(value: Any) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _require(condition: bool, module: nn.Module, setting: str) -> None:
    if not condition:
        raise Unmappable(f"{type(module).__name__} with {setting} has no NetCanvas layer")


def _linear(m: nn.Linear) -> tuple[str, dict]:
    return "Linear", {"in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None}


def _conv(m: nn.Conv1d | nn.Conv2d) -> tuple[str, dict]:
    _require(m.padding_mode == "zeros", m, f"padding_mode={m.padding_mode!r}")
    return type(m).__name__, {
        "in_channels": m.in_channels,
        "out_channels": m.out_channels,
        "kernel_size": m.kernel_size,
        "stride": m.stride,
        "padding": m.padding,
        "dilation": m.dilation,
        "groups": m.groups,
        "bias": m.bias is not None,
    }


def _conv_transpose(m: nn.ConvTranspose2d) -> tuple[str, dict]:
    _require(m.groups == 1, m, f"groups={m.groups}")
    _require(tuple(m.dilation) == (1, 1), m, f"dilation={m.dilation}")
    _require(m.padding_mode == "zeros", m, f"padding_mode={m.padding_mode!r}")
    return "ConvTranspose2d", {
        "in_channels": m.in_channels,
        "out_channels": m.out_channels,
        "kernel_size": m.kernel_size,
        "stride": m.stride,
        "padding": m.padding,
        "output_padding": m.output_padding,
        "bias": m.bias is not None,
    }


def _batch_norm(m: nn.BatchNorm1d | nn.BatchNorm2d) -> tuple[str, dict]:
    _require(m.track_running_stats, m, "track_running_stats=False")
    _require(m.momentum is not None, m, "momentum=None")
    return type(m).__name__, {"num_features": m.num_features, "eps": m.eps, "momentum": m.momentum, "affine": m.affine}


def _layer_norm(m: nn.LayerNorm) -> tuple[str, dict]:
    _require(not m.elementwise_affine or m.bias is not None, m, "bias=False")
    return "LayerNorm", {"dims": len(m.normalized_shape), "eps": m.eps, "elementwise_affine": m.elementwise_affine}


def _local_response_norm(m: nn.LocalResponseNorm) -> tuple[str, dict]:
    return "LocalResponseNorm", {"size": m.size, "alpha": m.alpha, "beta": m.beta, "k": m.k}


def _flatten(m: nn.Flatten) -> tuple[str, dict]:
    _require(m.end_dim == -1 and m.start_dim >= 1, m, f"start_dim={m.start_dim}, end_dim={m.end_dim}")
    return "Flatten", {"start_dim": m.start_dim}


def _gelu(m: nn.GELU) -> tuple[str, dict]:
    _require(m.approximate == "none", m, f"approximate={m.approximate!r}")
    return "GELU", {}


def _softmax(m: nn.Softmax | nn.LogSoftmax) -> tuple[str, dict]:
    _require(m.dim is not None, m, "dim=None")
    return type(m).__name__, {"dim": m.dim}


def _max_pool(m: nn.MaxPool2d) -> tuple[str, dict]:
    _require(_pair(m.dilation) == (1, 1), m, f"dilation={m.dilation}")
    _require(not m.return_indices, m, "return_indices")
    return "MaxPool2d", pool_params(m.kernel_size, m.stride, m.padding, m.ceil_mode)


def _avg_pool(m: nn.AvgPool2d) -> tuple[str, dict]:
    _require(m.count_include_pad and m.divisor_override is None, m, "count_include_pad=False or a divisor_override")
    return "AvgPool2d", pool_params(m.kernel_size, m.stride, m.padding, m.ceil_mode)


def pool_params(kernel: Any, stride: Any, padding: Any, ceil_mode: bool = False) -> dict:
    """Pooling settings, with a stride equal to the window left on auto as people write it."""
    kernel = _pair(kernel)
    stride = _pair(stride) if stride not in (None, []) else None
    return {
        "kernel_size": kernel,
        "stride": None if stride == kernel else stride,
        "padding": _pair(padding),
        "ceil_mode": bool(ceil_mode),
    }


def _adaptive(m: nn.AdaptiveAvgPool2d) -> tuple[str, dict]:
    size = _pair(m.output_size)
    _require(None not in size, m, "an output size of None")
    return "AdaptiveAvgPool2d", {"output_size": size}


def upsample_params(module_or_call: Any, scale: Any, mode: str, align_corners: Any) -> dict:
    """Upsample settings: a whole, equal scale factor on every axis, nearest or bilinear."""
    factors = set(scale) if isinstance(scale, (tuple, list)) else {scale}
    factor = factors.pop() if len(factors) == 1 else None
    if factor is None or float(factor) != int(factor) or mode not in ("nearest", "bilinear") or align_corners:
        raise Unmappable(f"{module_or_call} with scale {scale!r} and mode {mode!r} has no NetCanvas layer")
    return {"scale_factor": int(factor), "mode": mode}


def _upsample(m: nn.Upsample) -> tuple[str, dict]:
    _require(m.size is None and not m.recompute_scale_factor, m, "a size")
    return "Upsample", upsample_params("Upsample", m.scale_factor, m.mode, m.align_corners)


def _recurrent(m: nn.RNN | nn.LSTM | nn.GRU) -> tuple[str, dict]:
    _require(m.batch_first, m, "batch_first=False (NetCanvas puts the batch first)")
    _require(not getattr(m, "proj_size", 0), m, f"proj_size={getattr(m, 'proj_size', 0)}")
    params = {
        "input_size": m.input_size,
        "hidden_size": m.hidden_size,
        "num_layers": m.num_layers,
        "bidirectional": m.bidirectional,
        "dropout": float(m.dropout),
        "bias": m.bias,
    }
    if isinstance(m, nn.RNN):
        params["nonlinearity"] = m.nonlinearity
    return type(m).__name__, params


def _embedding(m: nn.Embedding) -> tuple[str, dict]:
    plain = m.padding_idx is None and m.max_norm is None and not m.scale_grad_by_freq and not m.sparse
    _require(plain, m, "padding_idx, max_norm, scale_grad_by_freq or sparse")
    return "Embedding", {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim}


def _plain(type_name: str) -> Converter:
    return lambda m: (type_name, {})


MODULE_LAYERS: dict[type, Converter] = {
    nn.Linear: _linear,
    nn.Conv1d: _conv,
    nn.Conv2d: _conv,
    nn.ConvTranspose2d: _conv_transpose,
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.LayerNorm: _layer_norm,
    nn.LocalResponseNorm: _local_response_norm,
    nn.Dropout: lambda m: ("Dropout", {"p": m.p}),
    nn.Flatten: _flatten,
    nn.Identity: _plain("Identity"),
    nn.ReLU: _plain("ReLU"),
    nn.Sigmoid: _plain("Sigmoid"),
    nn.Tanh: _plain("Tanh"),
    nn.GELU: _gelu,
    nn.LeakyReLU: lambda m: ("LeakyReLU", {"negative_slope": m.negative_slope}),
    nn.Softmax: _softmax,
    nn.LogSoftmax: _softmax,
    nn.MaxPool2d: _max_pool,
    nn.AvgPool2d: _avg_pool,
    nn.AdaptiveAvgPool2d: _adaptive,
    nn.Upsample: _upsample,
    nn.RNN: _recurrent,
    nn.LSTM: _recurrent,
    nn.GRU: _recurrent,
    nn.Embedding: _embedding,
    nn.ChannelShuffle: lambda m: ("ChannelShuffle", {"groups": m.groups}),
}


def layer_for_module(module: nn.Module) -> tuple[str, dict[str, Any]]:
    """``(type, checked params)`` for a module of a known class; `Unmappable` otherwise."""
    converter = MODULE_LAYERS.get(type(module))
    if converter is None:
        raise Unmappable(f"{type(module).__name__} has no NetCanvas layer")
    type_name, values = converter(module)
    return type_name, checked_params(type_name, values)
