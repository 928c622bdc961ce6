"""Sanity checks before training (``netcanvas check``, Training > Check): findings pinned to nodes.

`run_checks` sets the project up exactly as training would (`TrainingSession`: data,
model, loss, optimizer; ``overrides`` as ``--set``) and runs the check families,
one module each, in an order where the ones that train come last:

* `memory` — the training-memory estimate (`graph.cost`) against the device's memory;
* `wiring` — the last layers against the loss and the data's classes;
* `initial_loss` — the untrained loss against its expected value (ln C ...);
* `activations` — dead ReLUs and saturated sigmoid/tanh units per layer;
* `gradients` — gradient flow at initialisation, vanishing / exploding per layer;
* `overfit` — one small batch learnt by heart within a few hundred steps.

A project that does not validate, or cannot be set up (targets whose shape differs
from the Output, say), gives ``fail`` findings and nothing more. The loss, activation
and overfitting checks apply to supervised tasks; a VAE or GAN gets the wiring and
gradient checks.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.diagnostics.activations import activation_findings
from backend.diagnostics.context import CheckContext, width_layer
from backend.diagnostics.findings import SEVERITIES, Finding, failed
from backend.diagnostics.gradients import gradient_findings
from backend.diagnostics.initial_loss import initial_loss_findings
from backend.diagnostics.memory import memory_findings
from backend.diagnostics.overfit import overfit_findings
from backend.diagnostics.wiring import wiring_findings
from backend.training import TrainingSession, TrainingSetupError
from graph.project import Project
from graph.validation import validate_project

__all__ = ["SEVERITIES", "Finding", "failed", "run_checks"]


def run_checks(
    project: Project,
    overrides: dict | None = None,
    on_finding: Callable[[Finding], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Finding]:
    """Every sanity check on `project`; never raises for a project that cannot train.

    Args:
        project: the project (not modified: checks train a model of their own).
        overrides: training settings for this run (``--set`` names and checked values).
        on_finding: called with each finding as soon as it is known (for a live list).
        should_stop: polled between checks and during the overfitting run; True ends early.

    Returns:
        The findings, in the order they were found.
    """
    findings: list[Finding] = []

    def report(new: list[Finding]) -> None:
        for finding in new:
            findings.append(finding)
            if on_finding is not None:
                on_finding(finding)

    reports = validate_project(project)
    errors = [problem for r in reports.values() for problem in r.errors]
    if errors:
        report([Finding("fail", "setup", p.network, p.node_id or "", p.node_name, p.message) for p in errors])
        return findings
    try:
        session = TrainingSession(project, overrides)
    except TrainingSetupError as error:
        report([_setup_failure(project, reports, str(error))])
        return findings
    ctx = CheckContext.of(session)
    steps: list[Callable[[], list[Finding]]] = [lambda: memory_findings(ctx), lambda: wiring_findings(ctx)]
    if ctx.supervised:
        steps += [lambda: initial_loss_findings(ctx), lambda: activation_findings(ctx)]
    steps.append(lambda: gradient_findings(ctx))
    if ctx.supervised:
        steps.append(lambda: overfit_findings(ctx, should_stop))
    else:
        text = f"the initial loss, activation and overfitting checks cover supervised training, not a {session.task}"
        steps.append(lambda: [ctx.finding("ok", "setup", None, text)])
    for step in steps:
        if should_stop is not None and should_stop():
            break
        ctx.restore()  # each check starts from the weights training would start from
        report(step())
    return findings


def _setup_failure(project: Project, reports: dict, message: str) -> Finding:
    """A session that cannot be set up; a complaint about the Output is pinned on the layer that sets it."""
    name = "discriminator" if "discriminator" in project.networks else next(iter(project.networks))
    network = project.networks[name]
    node = width_layer(network, reports[name]) if "Output" in message else None
    return Finding("fail", "setup", name, node.id if node else "", node.name if node else "", message)
