"""HTML and XML translated with every tag kept: the text of a document cut into runs, the prose between two
block boundaries, each translated as a text of its own; then each run's inline elements rebuilt around the
translated words they wrapped (alignment.py).

- A block element (`<p>`, `<li>`, `<td>`, `<br>`...) ends a run: blocks split sentences, a paragraph is never
  joined to the next.
- An inline element (`<b>`, `<a href>`, `<em>`, `<span>`...) stays in its run: the sentence is translated
  whole, and the element wraps the words at the place its own words were (alignment.py says how exactly).
- Left exactly as they are: `<code>`, `<pre>`, `<script>`, `<style>`, `<kbd>`, `<samp>`, `<svg>`, `<math>`,
  `<template>`, comments, any element with `translate="no"` or the class `notranslate`, and the tags a request
  names to ignore. Inside a sentence, such an element keeps its place among the translated words.
- An element the HTML standard doesn't name (a custom element; every element in XML) is inline where it sits
  among text (mixed content), a block otherwise; a request may name tags to split at, or not to split at.
- Attributes are never translated; entities the document wrote (`&nbsp;`, `&copy;`) are written back as such.

The parser is lxml (docs/markup.md says why): lxml.html for HTML, lxml.etree for XML, which must be
well-formed; external entities and DTDs are never loaded.
"""

import html
import re
from copy import copy, deepcopy
from dataclasses import dataclass, field
from typing import Iterable, Literal, Union

import lxml.etree as etree
import lxml.html

from textml.documents.alignment import OffsetMap

Kind = Literal["html", "xml"]

BLOCK_TAGS = frozenset(
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html legend li main menu nav ol optgroup option p "
    "section select summary table tbody td textarea tfoot th thead title tr ul".split()
)
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo big cite data del dfn em font i img ins label mark q ruby rp rt s small span strong sub "
    "sup time tt u wbr".split()
)
UNTRANSLATED_TAGS = frozenset("code kbd math pre samp script style svg template var".split())
# Untranslated, and where they sit among words, kept in their place there.
UNTRANSLATED_INLINE_TAGS = frozenset("code kbd samp var".split())


class MarkupError(ValueError):
    """A document that can't be read as the markup it was said to be."""


@dataclass(frozen=True)
class Tags:
    """A request's tag choices (DeepL's `ignore_tags`, `splitting_tags`, `non_splitting_tags`)."""

    ignore: frozenset[str] = frozenset()
    splitting: frozenset[str] = frozenset()
    non_splitting: frozenset[str] = frozenset()


NO_TAGS = Tags()


@dataclass
class Anchor:
    """An untranslated element inside a sentence, at a position of its run's text."""

    element: etree._Element
    at: int
    space_before: bool
    space_after: bool


@dataclass
class Wrap:
    """An inline element over its run's text[start:end], with what it holds."""

    element: etree._Element | None  # None: the run itself
    start: int = 0
    end: int = 0
    inside: list[Union["Wrap", Anchor]] = field(default_factory=list)


Item = Union[str, etree._Element]


@dataclass
class Run:
    """Prose between two block boundaries: its text, as the model reads it, and the elements in it."""

    items: list[Item]  # as they were, to put back when the run has nothing to translate
    text: str = ""
    root: Wrap = field(default_factory=lambda: Wrap(None))

    @property
    def translatable(self) -> bool:
        return bool(self.text.strip())


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""


def is_comment(element: etree._Element) -> bool:
    return not isinstance(element.tag, str)  # a comment or a processing instruction


def has_mixed_content(parent: etree._Element | None) -> bool:
    if parent is None:
        return False
    texts = [parent.text, *(child.tail for child in parent)]
    return any(text and text.strip() for text in texts)


class Reader:
    """Which elements of a document are blocks, inline, or left untranslated."""

    def __init__(self, kind: Kind, tags: Tags):
        self.kind = kind
        self.tags = tags

    def untranslated(self, element: etree._Element) -> bool:
        if is_comment(element):
            return True
        name = local_name(element)
        if name in self.tags.ignore or element.get("translate", "").lower() == "no":
            return True
        return "notranslate" in (element.get("class") or "").split() or (
            self.kind == "html" and name in UNTRANSLATED_TAGS
        )

    def inline(self, element: etree._Element) -> bool:
        """Whether the element stays inside its parent's run."""
        name = local_name(element)
        if is_comment(element) or name in self.tags.non_splitting:
            return True
        if name in self.tags.splitting:
            return False
        if self.kind == "html" and name in UNTRANSLATED_TAGS:
            return name in UNTRANSLATED_INLINE_TAGS
        if self.kind == "html" and name in BLOCK_TAGS:
            return False
        if self.untranslated(element):
            return has_mixed_content(element.getparent())
        known_inline = self.kind == "html" and name in INLINE_TAGS
        if not (known_inline or has_mixed_content(element.getparent())):
            return False
        return all(self.inline(child) for child in element)  # a block inside makes it one too

    def groups(self, container: etree._Element) -> list[Union[Run, etree._Element]]:
        """The container's content as runs and the block elements between them."""
        groups: list[Union[Run, etree._Element]] = []
        run = Run([])
        if container.text:
            run.items.append(container.text)
        for child in container:
            if self.inline(child):
                run.items.append(child)
            else:
                groups.append(run)
                groups.append(child)
                run = Run([])
            if child.tail:
                run.items.append(child.tail)
        groups.append(run)
        for run in groups:
            if isinstance(run, Run):
                self.read(run)
        return groups

    def read(self, run: Run):
        """The run's text and its inline elements' places in it. An untranslated element among words leaves one
        space where it was ("Run <code>ls</code> to list" reads "Run to list"), and is put back between the
        translated words with the spaces it had around it."""
        parts: list[str] = []
        size = 0
        after: Anchor | None = None  # the untranslated element just read, if nothing came after it yet

        def add(text: str | None):
            nonlocal size, after
            if not text:
                return
            if after is not None:
                after.space_after = text[0].isspace()
                if not parts or parts[-1][-1:].isspace():
                    text = text.lstrip()
                after = None if text else after
            if text:
                parts.append(text)
                size += len(text)

        def walk(items: Iterable[Item], wrap: Wrap):
            nonlocal after
            for item in items:
                if isinstance(item, str):
                    add(item)
                elif self.untranslated(item):
                    before = parts[-1][-1:] if parts else ""
                    after = Anchor(bare(item), size, before.isspace(), False)
                    wrap.inside.append(after)
                else:
                    inner = Wrap(shallow(item), start=size)
                    add(item.text)
                    walk(children_and_tails(item), inner)
                    inner.end = size
                    wrap.inside.append(inner)

        walk(run.items, run.root)
        run.text = "".join(parts)
        run.root.end = size


def children_and_tails(element: etree._Element) -> Iterable[Item]:
    for child in element:
        yield child
        if child.tail:
            yield child.tail


def bare(element: etree._Element) -> etree._Element:
    """A copy of the element and all it holds, without the text after it."""
    kept = deepcopy(element)
    kept.tail = None
    return kept


def shallow(element: etree._Element) -> etree._Element:
    """A copy of the tag alone: its name and attributes."""
    kept = copy(element)
    kept.text = kept.tail = None
    for child in list(kept):
        kept.remove(child)
    return kept


def rebuilt(run: Run, translation: str, to_target: OffsetMap) -> list[Item]:
    """The run's items for `translation`: each inline element around the words where its own were."""

    def build(wrap: Wrap, low: int, high: int) -> list[Item]:
        items: list[Item] = []
        position = low
        for inner in wrap.inside:
            if isinstance(inner, Anchor):
                # Glued to the word before it (`+<kbd>C</kbd>`), it goes to that word's end; else to a word's start.
                glued = inner.at > 0 and not inner.space_before
                at = min(max(to_target(inner.at, word_start=not glued), position), high)
                items.append(translation[position:at])
                if inner.space_before and at and not translation[at - 1].isspace():
                    items.append(" ")
                items.append(deepcopy(inner.element))
                if inner.space_after and at < len(translation) and not translation[at].isspace():
                    items.append(" ")
                position = at
                continue
            start, end = to_target.span(inner.start, inner.end)
            start = min(max(start, position), high)
            end = min(max(end, start), high)
            items.append(translation[position:start])
            element = inner.element
            filled(element, build(inner, start, end))
            items.append(element)
            position = end
        items.append(translation[position:high])
        return items

    return build(run.root, 0, len(translation))


def filled(element: etree._Element, items: list[Item]):
    """`element` holding `items`: the strings as its text and its children's tails."""
    element.text = None
    last: etree._Element | None = None
    for item in items:
        if isinstance(item, str):
            if not item:
                continue
            if last is None:
                element.text = (element.text or "") + item
            else:
                last.tail = (last.tail or "") + item
        else:
            item.tail = None
            element.append(item)
            last = item


ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
DOCUMENT_START = re.compile(r"\s*(<\?xml|<!doctype|<html[\s>])", re.IGNORECASE)
# A text's XML declaration: lxml refuses a str that declares an encoding (the text is decoded already), so the
# declaration is set aside while parsing and written back as it was.
DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>\s*", re.IGNORECASE)
XML_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, strip_cdata=False)
WRAPPER = "textml-fragment"


class Markup:
    """A parsed document: its runs to translate, and how to write it back with their translations."""

    def __init__(self, source: str, kind: Kind = "html", tags: Tags = NO_TAGS):
        self.source = source
        self.kind = kind
        self.reader = Reader(kind, tags)
        self.whole_document = bool(DOCUMENT_START.match(source))
        declared = DECLARATION.match(source)
        self.declaration = declared.group(0).strip() if declared else ""
        self.root = self.parse(source[declared.end() :] if declared else source)
        self.entities = written_entities(source)
        # Each container with its content as runs and blocks, and the runs to translate in document order: read
        # once, before rendering changes the tree.
        self.layout: list[tuple[etree._Element, list]] = []
        self.runs: list[Run] = []
        if self.root is not None:
            self.read_layout(self.root)

    def read_layout(self, container: etree._Element):
        groups = self.reader.groups(container)
        self.layout.append((container, groups))
        for group in groups:
            if isinstance(group, Run):
                if group.translatable:
                    self.runs.append(group)
            elif not self.reader.untranslated(group):
                self.read_layout(group)

    def parse(self, source: str) -> etree._Element | None:
        if not source.strip():
            return None
        try:
            if self.kind == "xml":
                text = source if self.whole_document else f"<{WRAPPER}>{source}</{WRAPPER}>"
                return etree.fromstring(text.encode(), XML_PARSER)
            if self.whole_document:
                return lxml.html.document_fromstring(source)
            return lxml.html.fragment_fromstring(source, create_parent=WRAPPER)
        except (etree.XMLSyntaxError, etree.ParserError, ValueError) as error:
            raise MarkupError(f"the text is not well-formed {self.kind.upper()}: {error}") from None

    @property
    def texts(self) -> list[str]:
        """The text of each run to translate, in order."""
        return [run.text for run in self.runs if run.translatable]

    def render(self, translations: list[tuple[str, OffsetMap]]) -> str:
        """The document with each run's translation: `translations[i]` of the i-th text of `texts`."""
        if not self.runs:
            return self.source
        by_run = {id(run): translation for run, translation in zip(self.runs, translations, strict=True)}
        for container, groups in self.layout:
            items: list[Item] = []
            for group in groups:
                if not isinstance(group, Run):
                    items.append(group)
                elif not group.translatable:
                    items.extend(group.items)
                else:
                    items.extend(self.translated_run(group, *by_run[id(group)]))
            for child in list(container):
                container.remove(child)
            filled(container, items)
        return self.serialize()

    @staticmethod
    def translated_run(run: Run, translation: str, to_target: OffsetMap) -> list[Item]:
        """The run's translation with its edges' whitespace kept as it was."""
        left = run.text[: len(run.text) - len(run.text.lstrip())]
        right = run.text[len(run.text.rstrip()) :]
        return [left, *rebuilt(run, translation, to_target), right]

    def serialize(self) -> str:
        if self.kind == "xml":
            # A whole document as a tree: its doctype and the comments and processing instructions around the root.
            written = etree.tostring(self.root.getroottree() if self.whole_document else self.root, encoding="unicode")
            if not self.whole_document:
                written = written.removeprefix(f"<{WRAPPER}>").removesuffix(f"</{WRAPPER}>")
                written = "" if written == f"<{WRAPPER}/>" else written
        elif self.whole_document:
            doctype = self.root.getroottree().docinfo.doctype
            # include_meta_content_type: lxml drops <meta http-equiv="Content-Type"> otherwise (docs/markup.md).
            written = lxml.html.tostring(
                self.root, encoding="unicode", doctype=doctype or None, include_meta_content_type=True
            )
        else:
            # The wrapper's own text is written as lxml writes any text: escaped ("a &lt;b" stays so).
            written = html.escape(self.root.text or "", quote=False) + "".join(
                lxml.html.tostring(child, encoding="unicode", with_tail=True, include_meta_content_type=True)
                for child in self.root
            )
        if self.declaration:
            written = f"{self.declaration}\n{written}"
        for character, entity in self.entities.items():
            written = written.replace(character, entity)
        return written


def written_entities(source: str) -> dict[str, str]:
    """The characters the document wrote as entities, with the entity it wrote: written back the same way."""
    found = {}
    for match in ENTITY.finditer(source):
        character = html.unescape(match.group(0))
        if len(character) == 1 and ord(character) > 127:  # not what the serializer escapes itself, nor a newline
            found.setdefault(character, match.group(0))
    return found
