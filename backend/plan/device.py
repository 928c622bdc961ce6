"""The speed settings that go with a device: bf16 autocast and channels-last, on CUDA only.

On the CPU they would slow training down and change the results, so they are
switched off there whatever the settings say.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class DeviceSettings:
    """Where a run trains and how: `amp` (bf16 autocast) and `channels_last` apply on CUDA only."""

    device: torch.device
    amp: bool
    channels_last: bool

    def autocast(self):
        """A context for forward passes: bf16 autocast on CUDA when enabled, else nothing."""
        if self.amp:
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def layout(self, x: torch.Tensor) -> torch.Tensor:
        """A batch in the memory format the model was moved to (channels-last for images on CUDA)."""
        if self.channels_last and x.dim() == 4:
            return x.contiguous(memory_format=torch.channels_last)
        return x


def speed_settings(device: torch.device, amp: bool, channels_last: bool) -> DeviceSettings:
    """The settings for `device`: the requested speed-ups where they pay off (CUDA), none elsewhere."""
    on_cuda = device.type == "cuda"
    return DeviceSettings(device, amp=bool(amp and on_cuda), channels_last=bool(channels_last and on_cuda))
