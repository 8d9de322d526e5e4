"""Files translated with their structure kept: a file read into the units of text it holds, each unit translated,
the file written back in its own format with each unit's translation in its place.

A format (one module each) reads a file's bytes into a `Document`: its `units`, in order, and `render`, which
writes the file back from one translation per unit. A unit is plain text, or markup the service translates with
its tags kept (documents/markup.py): HTML, or a paragraph's runs of formatting as `<r>` elements (runs.py).
"""

from dataclasses import dataclass
from typing import Callable, Optional, Protocol

from textml.documents.markup import NO_TAGS, Kind, Tags


class FileError(ValueError):
    """A file that can't be translated, with what to do about it."""


class UnsupportedFile(FileError):
    """A file of a type no format reads."""


class BrokenFile(FileError):
    """A file its format's library can't read."""


@dataclass(frozen=True)
class Unit:
    """A piece of a file translated as a text of its own: a paragraph, a heading, a table cell, a subtitle."""

    text: str
    markup: Optional[Kind] = None  # None: plain text
    tags: Tags = NO_TAGS


class Document(Protocol):
    units: list[Unit]

    def render(self, translations: list[str]) -> bytes:
        """The file with `translations[i]` in place of `units[i]`."""


@dataclass(frozen=True)
class FileFormat:
    name: str  # "docx"
    extensions: tuple[str, ...]  # (".docx",)
    media_type: str
    read: Callable[[bytes], Document]  # raises BrokenFile naming what is wrong
