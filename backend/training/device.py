"""Choosing the device: ``auto`` takes CUDA, then Apple's MPS, then the CPU.

The speed settings that go with a device (bf16 autocast and channels-last, on
CUDA only) are part of the training plan (``backend/plan/device.py``).
"""

from __future__ import annotations

import torch

from backend.plan.device import DeviceSettings, speed_settings


class DeviceError(ValueError):
    """The requested device is not available on this machine."""


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
    """The device for a configured name with the speed settings that apply there."""
    return speed_settings(resolve_device(name), amp, channels_last)
