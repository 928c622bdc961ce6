"""Readable at every zoom: no text under 8 px on screen, cards turn into named boxes, cut names have tooltips.

What the canvas draws is read back from an SVG rendering of the scene at a given
zoom (items drawn without their pixmap caches, so every text is a ``<text>`` with
its font size inside the group's transform).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest
from PySide6.QtCore import QBuffer, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QHelpEvent, QPainter, QWheelEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QGraphicsItem, QToolTip

from app.canvas.node_item import SUMMARY_MIN_CHARS
from app.canvas.scene import CanvasScene
from app.canvas.style import MIN_TEXT_PX, fonts
from app.commands import RenameNodeCommand
from app.document import Document
from graph.presets import build_preset
from tests.gui.conftest import lenet_window, node_id

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")
SVG = "{http://www.w3.org/2000/svg}"


def texts_on_screen(scene: CanvasScene, zoom: float) -> list[tuple[str, float]]:
    """Every text the scene draws at `zoom`, with its height on screen in pixels."""
    source = scene.itemsBoundingRect()
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setResolution(96)
    generator.setSize(QSize(round(source.width() * zoom) + 1, round(source.height() * zoom) + 1))
    items = list(scene.items())
    for item in items:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    painter = QPainter(generator)
    scene.render(painter, QRectF(0, 0, source.width() * zoom, source.height() * zoom), source)
    painter.end()
    for item in scene.nodes.values():
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    root = ElementTree.fromstring(bytes(buffer.data()))
    found = []
    for group in root.iter(f"{SVG}g"):
        numbers = re.findall(r"[-0-9.e]+", group.get("transform", "matrix(1,0,0,1,0,0)"))
        a, b = float(numbers[0]), float(numbers[1])
        scale = (a * a + b * b) ** 0.5
        for text in group.findall(f"{SVG}text"):
            found.append((text.text or "", float(text.get("font-size")) * scale))
    return found


@pytest.mark.parametrize("preset", [("lenet5", {}), ("resnet", {"depth": 50})], ids=["lenet5", "resnet50"])
@pytest.mark.parametrize("zoom", [1.5, 1.0, 0.8, 0.7, 0.5, 0.35, 0.25, 0.15, 0.08])
def test_no_text_is_drawn_smaller_than_8_px(qtbot, preset, zoom):
    name, options = preset
    document = Document(build_preset(name, options))
    scene = CanvasScene(document, document.current_network)
    texts = texts_on_screen(scene, zoom)
    assert all(size >= MIN_TEXT_PX - 0.01 for _, size in texts), sorted(texts, key=lambda t: t[1])[:3]
    names = {item.title for item in scene.nodes.values()}
    shown = {text for text, _ in texts}
    if zoom >= fonts().detail_zoom:
        assert names <= shown and any("params" in text for text in shown)  # the full card
    else:  # boxes with a name (and type) where one fits
        if zoom >= 0.25:
            assert shown
        labels = names | {item.subtitle for item in scene.nodes.values()}
        assert all(text in labels or is_cut_label(text, labels) for text in shown), shown
    scene.detach()


def is_cut_label(text: str, labels: set[str]) -> bool:
    """`text` is one of `labels` cut with an ellipsis, keeping enough letters to tell."""
    head, cut, tail = text.partition("…")
    return (
        bool(cut)
        and len(head + tail) >= SUMMARY_MIN_CHARS
        and any(label.startswith(head) and label.endswith(tail) for label in labels)
    )


def test_zooming_out_with_the_wheel_turns_cards_into_named_boxes(qtbot):
    with lenet_window(qtbot) as window:
        view = window.editor.view
        view.set_zoom(1.0)
        conv = window.editor.scene().nodes[node_id(window.document, "conv1")]
        view.centerOn(conv.sceneBoundingRect().center())
        centre = QPointF(view.viewport().rect().center())
        while view.zoom() >= fonts().detail_zoom:
            wheel = QWheelEvent(
                centre,
                QPointF(view.viewport().mapToGlobal(centre.toPoint())),
                QPoint(0, 0),
                QPoint(0, -120),
                Qt.MouseButton.NoButton,
                Qt.KeyboardModifier.NoModifier,
                Qt.ScrollPhase.NoScrollPhase,
                False,
            )
            QApplication.sendEvent(view.viewport(), wheel)
        lines = conv.summary_lines(view.zoom())
        assert [text for text, _, _ in lines] == ["conv1", "Conv2d"]
        assert all(font.pixelSize() * view.zoom() >= MIN_TEXT_PX for _, font, _ in lines)
        image = view.viewport().grab().toImage()
        inside = view.mapFromScene(conv.mapToScene(QPointF(8, conv.height - 6)))
        assert image.pixelColor(inside).name() == "#7c3aed"  # the box is filled with the conv colour


def test_a_name_cut_to_fit_is_whole_in_the_tooltip(qtbot):
    with lenet_window(qtbot) as window:
        document = window.document
        long_name = "first_convolution_of_the_feature_extractor"
        conv = node_id(document, "conv1")
        document.undo_stack.push(RenameNodeCommand(document, document.current_network, conv, long_name))
        item = window.editor.scene().nodes[conv]
        view = window.editor.view
        for zoom in (1.0, 0.4):
            view.set_zoom(zoom)
            view.centerOn(item.sceneBoundingRect().center())
            if zoom < fonts().detail_zoom:
                shown = [text for text, _, _ in item.summary_lines(zoom)]
                assert shown and shown[0] != long_name and "…" in shown[0]
            point = view.mapFromScene(item.mapToScene(QPointF(60, 12)))
            QApplication.sendEvent(
                view.viewport(), QHelpEvent(QHelpEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
            )
            qtbot.waitUntil(QToolTip.isVisible)
            assert long_name in QToolTip.text()
            QToolTip.hideText()
