"""Pictures of a diagram: the nodes of a scene saved as PNG or SVG, and small previews.

The picture shows every node and edge with a small margin on the theme's background and no
selection outlines; an SVG holds real text and paths (items are drawn without their
pixmap caches). PNGs are rendered at twice the scene's scale (crisp on high-DPI
screens and in slides), shrunk when that would exceed `MAX_PNG_SIDE` pixels.
`render_picture` draws scenes side by side into a pixmap (the preset gallery's
pictures); at that scale the cards draw themselves as coloured boxes, named where a
name still fits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem

from app.canvas.style import current_palette

MARGIN = 30.0
MAX_PNG_SIDE = 16_000
PICTURE_GAP = 80.0  # scene pixels between the networks of one picture


def export_scene(scene, path, title: str = "") -> None:
    """Save the nodes of `scene` (a `CanvasScene`) to `path`.

    Raises:
        ValueError: the suffix is neither ``.png`` nor ``.svg``.
        OSError: the file could not be written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"cannot export to '{path.suffix}': choose .png or .svg")
    source = scene.nodes_rect()
    if source.isEmpty():
        source = QRectF(0, 0, 200, 100)
    source = source.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    selected = scene.selectedItems()
    scene.clearSelection()  # a selection outline does not belong in a picture
    try:
        if suffix == ".png":
            scale = min(2.0, MAX_PNG_SIDE / max(source.width(), source.height()))
            size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
            image = QImage(size, QImage.Format.Format_ARGB32)
            image.fill(scene.canvas_palette.color("background"))
            _render(scene, image, source)
            if not image.save(str(path)):
                raise OSError(f"could not write {path}")
        else:
            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(QSize(round(source.width()), round(source.height())))
            generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
            generator.setTitle(title)
            _render(scene, generator, source, fill=True)
            if not path.exists():
                raise OSError(f"could not write {path}")
    finally:
        for item in selected:
            item.setSelected(True)


def _render(scene, device, source: QRectF, fill: bool = False) -> None:
    painter = QPainter(device)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    target = QRectF(0, 0, device.width(), device.height())
    if fill:
        painter.fillRect(target, scene.canvas_palette.color("background"))
    # Cached items would be painted as bitmaps: an SVG would hold pictures of text, not text.
    cached = [item for item in scene.items() if item.cacheMode() != QGraphicsItem.CacheMode.NoCache]
    modes = [item.cacheMode() for item in cached]
    for item in cached:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        scene.render(painter, target, source)
    finally:
        painter.end()
        for item, mode in zip(cached, modes, strict=True):
            item.setCacheMode(mode)


def render_picture(scenes: list, size: QSize, max_zoom: float = 0.5) -> QPixmap:
    """A picture of `scenes` (each a `CanvasScene`) side by side, fitted into `size` and centred.

    Args:
        scenes: the drawings, left to right.
        size: the pixmap's size in pixels.
        max_zoom: the largest scale used, so a small network is not blown up.
    """
    rects = [scene.content_rect() for scene in scenes]
    width = sum(rect.width() for rect in rects) + PICTURE_GAP * max(len(rects) - 1, 0)
    height = max((rect.height() for rect in rects), default=0.0)
    pixmap = QPixmap(size)
    pixmap.fill(current_palette().color("background"))
    if width <= 0 or height <= 0:
        return pixmap
    zoom = min((size.width() - 8) / width, (size.height() - 8) / height, max_zoom)
    painter = QPainter(pixmap)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    left = (size.width() - width * zoom) / 2
    top = (size.height() - height * zoom) / 2
    for scene, rect in zip(scenes, rects, strict=True):
        target = QRectF(left, top, rect.width() * zoom, rect.height() * zoom)
        scene.render(painter, target, rect)
        left += (rect.width() + PICTURE_GAP) * zoom
    painter.end()
    return pixmap
