"""What data must fit: the network's Input and Output (`NetworkFacts`), and the data error.

Samples are read, split, normalised and batched by the training plan
(``backend/plan``); this package decides, for a project, which reader to call and
how its samples must be fitted to the network, with messages that say why not.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.plan.errors import DataError

__all__ = ["DataError", "NetworkFacts"]


@dataclass(frozen=True)
class NetworkFacts:
    """What the network expects: its Input (per-sample shape, dtype) and Output shape.

    ``vocab`` is the smallest Embedding ``num_embeddings`` fed by the Input (0 when none).
    """

    input_name: str
    input_shape: tuple
    input_dtype: str = "float32"
    output_shape: tuple | None = None
    vocab: int = 0

    @property
    def output_size(self) -> int | None:
        """The last dimension of the Output (classes, regression targets, vocabulary)."""
        if not self.output_shape or self.output_shape[-1] is None:
            return None
        return int(self.output_shape[-1])
