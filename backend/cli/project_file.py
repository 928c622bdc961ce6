"""Opening the PROJECT argument of a command: one clear line for any file problem."""

from __future__ import annotations

from backend.cli import CommandError
from graph.project import Project
from graph.project_io import ProjectFileError, load_project


def open_project(path: str) -> Project:
    """Load `path` or raise `CommandError` (exit status 1) saying what is wrong with it."""
    try:
        return load_project(path)
    except ProjectFileError as error:  # the message already starts with the path
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"{path}: cannot read ({error.strerror or error})") from None
