"""The preset gallery: a picture, a parameter count and a line for each preset; options beside it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from app import preset_gallery
from app.canvas.style import category_colour
from app.preset_gallery import PresetGallery, one_line
from graph.presets import PRESETS
from tests.gui.conftest import click

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def colours(pixmap) -> set[str]:
    image = pixmap.toImage()
    return {image.pixelColor(x, y).name() for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)}


@pytest.fixture
def fresh_gallery(qtbot, monkeypatch):
    monkeypatch.setattr(preset_gallery, "_pictures", {})
    gallery = PresetGallery(selected="lenet5")
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitExposed(gallery)
    return gallery


def test_the_gallery_opens_before_its_pictures_are_drawn_then_fills_them_in(qtbot, fresh_gallery):
    gallery = fresh_gallery
    assert gallery.thumbnails_pending() >= len(PRESETS) - 1  # at most one drawn before the dialog showed
    qtbot.waitUntil(lambda: gallery.thumbnails_pending() == 0, timeout=20_000)
    for key, item in gallery.items.items():
        name = gallery.entries[key].preset
        lines = item.text().split("\n")
        assert lines[0] == gallery.entries[key].title
        assert lines[1].endswith("parameters · " + PRESETS[name].category)
        assert lines[2] == one_line(PRESETS[name].description)
    assert gallery.items["lenet5"].text().split("\n")[1].startswith("61,706 parameters")
    # LeNet-5's thumbnail is its drawing: the colours of its convolution and pooling cards are in it.
    drawn = colours(gallery.items["lenet5"].icon().pixmap(preset_gallery.THUMBNAIL))
    assert category_colour("Convolution").name() in drawn and category_colour("Pooling").name() in drawn


def test_a_second_opening_shows_the_pictures_at_once(qtbot, fresh_gallery):
    qtbot.waitUntil(lambda: fresh_gallery.thumbnails_pending() == 0, timeout=20_000)
    again = PresetGallery(selected="mlp")
    qtbot.addWidget(again)
    assert again.thumbnails_pending() == 0


def test_choosing_a_preset_and_an_option_updates_the_picture_and_the_count(qtbot, fresh_gallery):
    gallery = fresh_gallery
    item = gallery.items["resnet"]
    gallery.list.scrollToItem(item)
    QTest.mouseClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, pos=gallery.list.visualItemRect(item).center())
    assert gallery.preset_name == "resnet" and gallery.title.text() == "ResNet"
    qtbot.waitUntil(lambda: gallery.size_label.text() == "11,175,370 parameters")
    resnet18 = gallery.preview.pixmap().toImage()
    depth = gallery.editors["depth"]
    depth.setFocus()
    QTest.keyClicks(depth, "50")  # a combo box selects the entry typed
    qtbot.waitUntil(lambda: gallery.size_label.text() == "23,522,250 parameters")
    assert gallery.preview.pixmap().toImage() != resnet18
    assert QColor(category_colour("Blocks")).name() in colours(gallery.preview.pixmap())


def test_options_that_do_not_build_are_explained_while_choosing(qtbot, fresh_gallery):
    gallery = fresh_gallery
    gallery.select("mlp")
    sizes = gallery.editors["hidden_sizes"]
    sizes.setFocus()
    sizes.selectAll()
    QTest.keyClicks(sizes, "128, many")
    qtbot.waitUntil(gallery.error.isVisible)
    assert "hidden_sizes" in gallery.error.text()
    assert gallery.size_label.text() == ""
    sizes.selectAll()
    QTest.keyClicks(sizes, "128, 32")
    qtbot.waitUntil(lambda: not gallery.error.isVisible())
    assert gallery.size_label.text().endswith("parameters")


def test_vgg_with_batch_norm_is_one_click_in_the_list(qtbot, fresh_gallery):
    gallery = fresh_gallery
    item = gallery.items["vgg_batch_norm"]
    gallery.list.scrollToItem(item)
    QTest.mouseClick(gallery.list.viewport(), Qt.MouseButton.LeftButton, pos=gallery.list.visualItemRect(item).center())
    assert gallery.preset_name == "vgg" and gallery.title.text() == "VGG with batch norm"
    assert gallery.editors["batch_norm"].isChecked()
    click(gallery.create_button)
    project = gallery.project
    types = [node.type for node in project.main.nodes.values()]
    blocks = [node.type for block in project.blocks.values() for node in block.body.nodes.values()]
    assert "BatchNorm2d" in types + blocks
    assert gallery.items["vgg"].text().startswith("VGG\n")  # the paper's VGG stays listed as it is
