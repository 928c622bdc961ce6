"""A sequence model's held-out examples: input, wanted output and the model's output, wrong tokens in red.

Drawn by the Training dock's `SequenceExamples`, which shows the same rows while a
sequence model trains.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.docks.task_views import SequenceExamples


def sequence_examples_picture(examples: list, epoch: int) -> QWidget:
    """`examples` (``backend.lessons.inspect_model.SequenceExample``) after `epoch` epochs."""
    widget = SequenceExamples()
    widget.show_sequences(
        {
            "inputs": [example.source for example in examples],
            "targets": [example.target for example in examples],
            "outputs": [example.output for example in examples],
        },
        epoch,
    )
    right = sum(example.correct for example in examples)
    widget.setToolTip(f"{right} of {len(examples)} sequences entirely right.")
    widget.setMinimumHeight(60 * len(examples) + 30)
    return widget
