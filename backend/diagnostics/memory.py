"""Training memory against the device: the estimate of `graph.cost` for the session's batch size and optimizer.

The budget is the GPU's memory on CUDA, the machine's physical memory otherwise.
Over budget, warnings are pinned on the layers that hold the most (weights,
gradients, optimizer state and the activations backward keeps); within it, one
``ok`` line says how much of the budget the estimate takes.
"""

from __future__ import annotations

import os

import torch

from backend.diagnostics.context import CheckContext
from backend.diagnostics.findings import Finding
from graph.cost import format_bytes, memory_warnings, project_cost, training_memory

CHECK = "memory"


def device_memory(device: torch.device) -> int | None:
    """Bytes of memory on `device` (None when it cannot be told)."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def memory_findings(ctx: CheckContext) -> list[Finding]:
    session = ctx.session
    budget = device_memory(session.settings.device)
    if budget is None:
        return []
    costs = [cost for name, cost in project_cost(session.project).items() if name in session.models]
    optimizer, batch = session.config["optimizer"], session.batch_size
    problems = memory_warnings(costs, batch, optimizer, budget, session.device)
    if problems:
        return [Finding("warn", CHECK, p.network, p.node_id or "", p.node_name, p.message) for p in problems]
    total = training_memory(costs, batch, optimizer).total
    text = (
        f"training needs about {format_bytes(total)} at batch size {batch} with {optimizer}; "
        f"{session.device} has {format_bytes(budget)}"
    )
    return [ctx.finding("ok", CHECK, None, text)]
