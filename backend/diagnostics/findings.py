"""What a sanity check reports: `Finding`, one line per result, pinned to a node when it can be.

Severities: ``ok`` (checked and fine), ``warn`` (worth a look; training may still
work) and ``fail`` (training will not work as drawn). The GUI pins a finding to
its node by ``node_id`` in the Problems dock; the command line prints `line`.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class Finding:
    """One result of one check.

    Attributes:
        severity: ``ok``, ``warn`` or ``fail``.
        check: the check family that found it (``wiring``, ``initial_loss``, ``overfit``,
            ``gradients``, ``activations``, ``setup``).
        network: the network's name.
        node_id, node_name: the node it is about ("" for the network as a whole). A
            layer inside a block is reported on the block node, naming the layer.
        message: one sentence for a student.
    """

    severity: str
    check: str
    network: str
    node_id: str
    node_name: str
    message: str

    def line(self) -> str:
        """``ok|warn|fail  <network>/<node>: <message>`` (``<network>`` alone for the whole network)."""
        where = f"{self.network}/{self.node_name}" if self.node_name else self.network
        return f"{self.severity}  {where}: {self.message}"


def failed(findings: list[Finding]) -> bool:
    return any(finding.severity == "fail" for finding in findings)
