"""Python syntax highlighting for the Code dock (a `QSyntaxHighlighter`).

Colours follow the current theme. Rules are regular expressions applied per line;
triple-quoted strings spanning lines are tracked with the block state, which is
enough for generated code (docstrings at the top of each class).
"""

from __future__ import annotations

import keyword
import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from app.themes import current_theme

_PALETTES = {
    "light": {
        "keyword": "#8250df",
        "builtin": "#0550ae",
        "string": "#0a7d34",
        "comment": "#6e7781",
        "number": "#b35900",
        "def": "#953800",
        "self": "#cf222e",
        "decorator": "#6639ba",
    },
    "dark": {
        "keyword": "#c792ea",
        "builtin": "#82aaff",
        "string": "#a5d6a7",
        "comment": "#7f8a96",
        "number": "#f78c6c",
        "def": "#ffcb6b",
        "self": "#ff8a80",
        "decorator": "#c3a6ff",
    },
}

_BUILTINS = ("torch", "nn", "super", "int", "float", "len", "range", "tuple", "list", "dict", "print")
_TRIPLE = re.compile(r'"""')
IN_DOCSTRING = 1


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument):
        super().__init__(document)
        self.set_theme(current_theme())

    def set_theme(self, theme: str) -> None:
        colors = _PALETTES.get(theme, _PALETTES["light"])
        self.formats = {name: _format(value) for name, value in colors.items()}
        self.formats["keyword"] = _format(colors["keyword"], bold=True)
        self.formats["comment"] = _format(colors["comment"], italic=True)
        self.rules = [
            (re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b"), "keyword"),
            (re.compile(r"\b(" + "|".join(_BUILTINS) + r")\b"), "builtin"),
            (re.compile(r"\bself\b"), "self"),
            (re.compile(r"\b\d+(\.\d*)?([eE][-+]?\d+)?\b"), "number"),
            (re.compile(r"(?<=\bdef )\w+|(?<=\bclass )\w+"), "def"),
            (re.compile(r"^\s*@\w+"), "decorator"),
            (re.compile(r"'[^'\n]*'|\"[^\"\n]*\""), "string"),
            (re.compile(r"#[^\n]*"), "comment"),
        ]
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for pattern, name in self.rules:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self.formats[name])
        self._docstrings(text)

    def _docstrings(self, text: str) -> None:
        """Colour triple-quoted strings, carrying an open one over to the next line."""
        fmt = self.formats["string"]
        start = 0 if self.previousBlockState() == IN_DOCSTRING else -1
        self.setCurrentBlockState(0)
        for match in _TRIPLE.finditer(text):
            if start < 0:
                start = match.start()
            else:
                self.setFormat(start, match.end() - start, fmt)
                start = -1
        if start >= 0:
            self.setFormat(start, len(text) - start, fmt)
            self.setCurrentBlockState(IN_DOCSTRING)
