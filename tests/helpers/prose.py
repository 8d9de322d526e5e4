"""Real English prose for the document tests: the license texts every Debian machine has."""

from pathlib import Path

LICENSES = Path("/usr/share/common-licenses")


NAMES = ("GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0", "GPL-2")


def paragraphs(names: tuple[str, ...] = NAMES) -> list[str]:
    """The licenses' paragraphs, each with its hard line wraps, in order."""
    return [p.strip() for name in names for p in (LICENSES / name).read_text().split("\n\n") if p.strip()]


def document(characters: int) -> str:
    """The first paragraphs of the licenses, as many as make up at most `characters` (up to about 100,000)."""
    chosen, total = [], 0
    for paragraph in paragraphs():
        if total + len(paragraph) + 2 > characters:
            break
        chosen.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(chosen)
