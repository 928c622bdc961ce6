"""Copied nodes on the system clipboard: the payload of `graph.fragments` as mime data.

The payload (mime `NODES_MIME`, also put on the clipboard as plain text, so it can
be pasted into another NetCanvas) is built and read back by ``graph/fragments.py``;
this module only moves it on and off the clipboard.
"""

from __future__ import annotations

import atexit
import json
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from graph.fragments import FORMAT

NODES_MIME = "application/x-netcanvas-nodes"


def to_mime(payload: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    text = json.dumps(payload, indent=1)
    mime.setData(NODES_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def put_on_clipboard(payload: dict[str, Any]) -> None:
    """Copy nodes to the system clipboard (and make sure it is emptied before Python exits)."""
    global _clear_registered
    QGuiApplication.clipboard().setMimeData(to_mime(payload))
    if not _clear_registered:
        atexit.register(_clear_clipboard)
        _clear_registered = True


_clear_registered = False


def _clear_clipboard() -> None:
    # The clipboard owns our QMimeData; left there, Qt deletes it in its own exit
    # handlers after the interpreter is gone and the process dies with a segfault.
    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()


def from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The payload on `mime`, or None when it holds no NetCanvas nodes."""
    if mime is None:
        return None
    if mime.hasFormat(NODES_MIME):
        raw = bytes(mime.data(NODES_MIME)).decode("utf-8", "replace")
    elif mime.hasText() and FORMAT in mime.text()[:200]:
        raw = mime.text()  # copied from another NetCanvas as plain text
    else:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
