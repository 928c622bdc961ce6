"""Choosing the device and the speed settings that go with it.

``auto`` takes CUDA, then Apple's MPS, then the CPU. bf16 autocast and the
channels-last memory format only apply on CUDA, where they pay off; on the CPU they
would slow training down and change results, so they are ignored there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


class DeviceError(ValueError):
    """The requested device is not available on this machine."""


@dataclass(frozen=True)
class DeviceSettings:
    device: torch.device
    amp: bool
    channels_last: bool

    def autocast(self):
        """A context for forward passes: bf16 autocast on CUDA when enabled, else nothing."""
        if self.amp:
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str) -> torch.device:
    """The torch device for a configured name (``auto``, ``cpu``, ``cuda``, ``mps``)."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("device cuda was asked for, but PyTorch sees no CUDA GPU here (use device=auto or cpu)")
    if name == "mps" and not mps_available():
        raise DeviceError("device mps was asked for, but this machine has no Apple GPU (use device=auto or cpu)")
    return torch.device(name)


def device_settings(name: str, amp: bool, channels_last: bool) -> DeviceSettings:
    device = resolve_device(name)
    on_cuda = device.type == "cuda"
    return DeviceSettings(device, amp=bool(amp and on_cuda), channels_last=bool(channels_last and on_cuda))
