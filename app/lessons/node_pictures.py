"""Right-click a Conv2d node: "Show filters" and "Show feature maps" of the open project's last trained model.

The entries are added to the canvas's node menu (``EditorWidget.add_node_menu``).
Without a trained model of the open project they are greyed out and their tooltip
says to train first. The feature maps are those of the first validation sample,
computed with ``backend.lessons.run.trained_picture`` on the GUI thread: by then
torch is loaded and one forward pass of one sample takes milliseconds.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QMenu

from graph.lessons import Picture

ENTRIES = (("Show filters", "filters"), ("Show feature maps", "feature_maps"))
TRAIN_FIRST = "Train first: this shows what the trained model learned, and this project has no trained model yet."


class NodePictures:
    """Fills the node menu; `show(heading, pictures)` receives what to draw, `say(text)` any failure."""

    def __init__(self, training, show, say):
        self.training = training
        self.show = show
        self.say = say

    def fill(self, menu: QMenu, network: str, node) -> None:
        if node.type != "Conv2d":
            return
        session = self.training.trained_session()
        trained = session is not None and network in session.models
        menu.setToolTipsVisible(True)
        for text, kind in ENTRIES:
            action = menu.addAction(text, partial(self.show_picture, kind, network, node.name))
            action.setEnabled(trained)
            action.setToolTip(
                f"{text[5:].capitalize()} of {node.name} in the last trained model." if trained else TRAIN_FIRST
            )

    def show_picture(self, kind: str, network: str, node_name: str) -> None:
        session = self.training.trained_session()
        if session is None:
            self.say(TRAIN_FIRST)
            return
        from backend.lessons.run import trained_picture  # torch is loaded once a model has trained

        try:
            data = trained_picture(Picture(kind, {"node": node_name, "sample": 0}), session, network)
        except (ValueError, KeyError, RuntimeError) as error:  # InspectError is a ValueError
            self.say(f"Cannot show {node_name}: {error}")
            return
        self.show(f"{network} / {node_name}, from the last trained model", [(kind, data)])
