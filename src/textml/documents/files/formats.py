"""The file formats translated, found by a file's name: each module's FORMAT."""

import importlib
from functools import cache
from pathlib import PurePosixPath

from textml.documents.files import BrokenFile, Document, FileFormat, UnsupportedFile

# One module of this package per format, in the order /languages-like listings show them.
MODULES = ("text", "markdown", "html", "subtitles", "word", "slides", "opendocument")


@cache
def formats() -> tuple[FileFormat, ...]:
    found = []
    for name in MODULES:
        module = importlib.import_module(f"textml.documents.files.{name}")
        found.extend(getattr(module, "FORMATS", (module.FORMAT,)))  # a module may serve kin formats (.srt, .vtt)
    return tuple(found)


def extensions() -> list[str]:
    """Every extension a file may have: [".txt", ".md", ...]."""
    return [extension for found in formats() for extension in found.extensions]


def format_of(filename: str) -> FileFormat:
    """The format of a file by its name's extension; UnsupportedFile names the ones served."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    for found in formats():
        if suffix in found.extensions:
            return found
    named = f"a {suffix} file" if suffix else f"a file without an extension ({filename!r})"
    raise UnsupportedFile(f"{named} can't be translated: the formats served are {', '.join(extensions())}")


def read_file(filename: str, data: bytes) -> Document:
    """The file's units; UnsupportedFile or BrokenFile (its format's library could not read it) say why not."""
    found = format_of(filename)
    try:
        return found.read(data)
    except BrokenFile:
        raise
    except Exception as error:  # each library has its own errors for a broken file: all mean the same here
        raise BrokenFile(f"the file is not a readable {found.name} file: {type(error).__name__}: {error}") from None
