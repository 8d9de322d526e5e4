"""Markdown files (.md, .markdown): the text of each paragraph, heading and table cell translated with its inline
syntax kept; every other byte of the file written back as it was.

markdown-it-py (CommonMark, with GitHub's tables and strikethrough) finds the blocks and the lines each one
spans. A block's inline content becomes one HTML unit (`<p>Run <code data-md="0">ls</code> to <em data-md="_">list
</em> files</p>`), translated with its tags kept (markup.py), then written back as Markdown with what the source
wrote: `*` or `_`, `**` or `__`, a code span, image, autolink or link destination exactly as written, inline HTML
tags as HTML.

Kept exactly: front matter, fenced and indented code, HTML blocks, link reference definitions, thematic breaks,
blank lines, and each block's line prefixes: a heading's `#`s, list markers and indentation, `> `, table pipes.
A paragraph wrapped over several lines is written on one line after its first line's prefix (it renders the same);
a hard line break stays, with the prefix of the line after it. A block whose translation reads back as its own
text is written back byte for byte.

Not translated: images' descriptions (alt text), link titles, the text of HTML blocks. A shortcut reference link
(`[Foo]`) becomes a full one (`[translated][Foo]`) so that it still finds its definition.
"""

import re
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from typing import Callable

import lxml.etree as etree
import lxml.html
from markdown_it import MarkdownIt, rules_inline
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from textml.documents.files import FileFormat, Unit
from textml.documents.files.text import Encoding, decoded, has_words, lines_of
from textml.documents.markup import INLINE_TAGS, UNTRANSLATED_INLINE_TAGS, Markup, Tags

# The `data-md` attribute carries what the source wrote for an element: an emphasis's delimiter, or the index of a
# piece of source kept whole (a code span, an image, an autolink) or of a link's part after its text.
SOURCE = "data-md"
UNIT_TAGS = Tags(ignore=frozenset({"img"}))  # an image stays where it was among the words, untranslated
TRANSLATED_BLOCKS = {"paragraph_open": "p", "heading_open": None, "th_open": "p", "td_open": "p"}
FRONT_MATTER_ENDS = ("---", "...")
HTML_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
PHRASING_TAGS = INLINE_TAGS | UNTRANSLATED_INLINE_TAGS | {"br"}
VOID_TAGS = frozenset("area base br col embed hr img input link meta source track wbr".split())

# A character of text that Markdown could read as syntax: escaped when written back.
SYNTAX = re.compile(r"[\\`*\[\]<]|~(?=~)|&(?=#?\w+;)|(?<![^\W_])_|_(?![^\W_])")
# What starts a block at the beginning of a line ("# ", "> ", "- ", "+ ", "1. ", "1) "), escaped there.
BLOCK_MARKER = re.compile(r"^[#>+=-]")
LIST_NUMBER = re.compile(r"^(\d{1,9})([.)])")
# A table row's container prefix: blockquote markers and indentation.
ROW_PREFIX = re.compile(r"(?:[ \t]*>)*[ \t]*")


def with_source(rule: Callable[[StateInline, bool], bool], link: bool = False) -> Callable[[StateInline, bool], bool]:
    """An inline rule that also records, on the token it opens, the source it read and, for a link, the source
    after the link's text (`(url "title")` or `[ref]`)."""

    def recorded(state: StateInline, silent: bool) -> bool:
        if silent:
            return rule(state, silent)
        start, count = state.pos, len(state.tokens)
        label_end = state.md.helpers.parseLinkLabel(state, start, True) if link and state.src[start] == "[" else -1
        if not rule(state, silent):
            return False
        opened = next((token for token in state.tokens[count:] if token.type != "text"), None)
        if opened is not None:
            opened.meta["source"] = state.src[start : state.pos]
            if label_end >= 0:
                tail = state.src[label_end + 1 : state.pos]
                # A shortcut or collapsed reference names its definition by its text: keep the name once translated.
                opened.meta["tail"] = tail if tail not in ("", "[]") else f"[{state.src[start + 1 : label_end]}]"
        return True

    return recorded


def parser() -> MarkdownIt:
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    markdown.inline.ruler.at("link", with_source(rules_inline.link, link=True))
    for name, rule in (
        ("backticks", rules_inline.backtick),
        ("image", rules_inline.image),
        ("autolink", rules_inline.autolink),
    ):
        markdown.inline.ruler.at(name, with_source(rule))
    return markdown


PARSER = parser()


@dataclass
class Block:
    """A block's translated text: `source[start:end]`, and what writing its translation back needs."""

    start: int
    end: int
    kept: list[str] = field(default_factory=list)  # pieces of source kept whole, by index
    breaks: list[str] = field(default_factory=list)  # each hard break: its marker, line ending, next prefix
    escape_line_starts: bool = True  # a paragraph's lines, where a "# " or "- " would start a block
    in_table: bool = False

    def keep(self, source: str) -> int:
        source = source.replace("\n", " ")  # a line break inside a code span or tag reads as a space
        # markdown-it reads a cell's `\|` as `|` before its inline rules run: written back, it must be `\|` again.
        self.kept.append(source.replace("|", "\\|") if self.in_table else source)
        return len(self.kept) - 1


@dataclass
class MarkdownDocument:
    source: str
    encoding: Encoding
    units: list[Unit] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def render(self, translations: list[str]) -> bytes:
        if len(translations) != len(self.units):
            raise ValueError(f"{len(translations)} translations for {len(self.units)} units")
        written, position = [], 0
        for unit, block, translation in zip(self.units, self.blocks, translations, strict=True):
            written.append(self.source[position : block.start])
            if words(translation) == words(unit.text):
                written.append(self.source[block.start : block.end])  # unchanged: as the source wrote it
            else:
                written.append(markdown_of(translation, block))
            position = block.end
        written.append(self.source[position:])
        return self.encoding.encode("".join(written))


def read(data: bytes) -> MarkdownDocument:
    text, encoding = decoded(data)
    document = MarkdownDocument(text, encoding)
    lines = lines_of(text)
    bodies = [body for body, _ in lines]
    starts = [0]
    for body, ending in lines:
        starts.append(starts[-1] + len(body) + len(ending))
    for index in range(front_matter_lines(bodies)):
        bodies[index] = ""  # parsed as blank lines: the lines keep their numbers
    tokens = PARSER.parse("\n".join(bodies))
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.map or tokens[index - 1].type not in TRANSLATED_BLOCKS:
            continue
        if not any(child.type == "text" and has_words(child.content) for child in token.children or []):
            continue
        opener = tokens[index - 1]
        block = located(token, opener, bodies, [ending for _, ending in lines], starts, cells_before(tokens, index))
        if block is None:  # not found where its lines are (never seen): left as it was
            continue
        wrapper = TRANSLATED_BLOCKS[opener.type] or opener.tag
        unit = Unit(f"<{wrapper}>{inline_html(token.children or [], block)}</{wrapper}>", "html", UNIT_TAGS)
        document.units.append(unit)
        document.blocks.append(block)
    return document


def front_matter_lines(bodies: list[str]) -> int:
    """How many lines a YAML front matter (`---` ... `---`) takes at the top of the file; 0 without one."""
    if not bodies or bodies[0].rstrip() != "---":
        return 0
    for index, body in enumerate(bodies[1:], start=1):
        if body.rstrip() in FRONT_MATTER_ENDS:
            return index + 1
    return 0


def cells_before(tokens: list[Token], index: int) -> int:
    """How many cells come before the cell at `tokens[index]` in its table row."""
    count = 0
    for token in reversed(tokens[:index]):
        if token.type == "tr_open":
            break
        count += token.type in ("th_open", "td_open")
    return max(count - 1, 0)


def located(
    token: Token, opener: Token, bodies: list[str], endings: list[str], starts: list[int], cell: int
) -> Block | None:
    """Where the block's inline content is in the file, with what writing it back needs."""
    first = token.map[0]
    if opener.type in ("th_open", "td_open"):
        spans = cell_spans(bodies[first])
        if cell >= len(spans):
            return None
        start, end = spans[cell]
        return Block(starts[first] + start, starts[first] + end, escape_line_starts=False, in_table=True)
    if opener.markup.startswith("#"):  # an ATX heading: its text between the opening and closing #s
        body = bodies[first]
        at = body.find(token.content, re.search("#+", body).end())
        if at < 0:
            return None
        return Block(starts[first] + at, starts[first] + at + len(token.content), escape_line_starts=False)
    return lines_block(token, bodies, endings, starts)


def lines_block(token: Token, bodies: list[str], endings: list[str], starts: list[int]) -> Block | None:
    """A paragraph or setext heading: from its first line's text to its last line's, the prefixes between (`> `,
    a list item's indentation) included; the prefix after each hard break kept for it."""
    first = token.map[0]
    raw = token.content.split("\n")
    prefixes = []
    for number, part in enumerate(raw):
        body, part = bodies[first + number].rstrip(), part.strip()
        if not body.endswith(part):
            return None
        prefixes.append(body[: len(body) - len(part)])
    last = first + len(raw) - 1
    block = Block(starts[first] + len(prefixes[0]), starts[last] + len(bodies[last].rstrip()))
    breaks = [number for number in range(len(raw) - 1) if raw[number].endswith(("\\", "  "))]
    hard_breaks = sum(child.type == "hardbreak" for child in token.children or [])
    if len(breaks) != hard_breaks:  # a line end that only looked like a break (in a code span): write "\\" breaks
        following = prefixes[1] if len(prefixes) > 1 else ""
        block.breaks = ["\\" + endings[first] + following] * hard_breaks
        return block
    for number in breaks:
        marker = "\\" if raw[number].endswith("\\") else raw[number][len(raw[number].rstrip(" ")) :]
        following = prefixes[number + 1] if number + 1 < len(prefixes) else ""
        block.breaks.append(marker + endings[first + number] + following)
    return block


def cell_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) in a table row's line of each cell's text, split as markdown-it does: at pipes that no
    backslash escapes, the pipes at the row's edges left out."""
    row_start = ROW_PREFIX.match(body).end()
    cuts = [row_start - 1]
    for position in range(row_start, len(body)):
        if body[position] == "|" and body[position - 1 : position] != "\\":
            cuts.append(position)
    cuts.append(len(body.rstrip()))
    spans = []
    for left, right in pairwise(cuts):
        segment = body[left + 1 : right]
        start = left + 1 + len(segment) - len(segment.lstrip())
        spans.append((start, max(start, left + 1 + len(segment.rstrip()))))
    if spans and spans[0][0] == spans[0][1]:
        spans.pop(0)
    if spans and spans[-1][0] == spans[-1][1]:
        spans.pop()
    return spans


def inline_html(children: list[Token], block: Block) -> str:
    """A block's inline tokens as HTML, each element saying in `data-md` what the source wrote."""
    out = []
    inside_autolink = False
    for token in children:
        kind = token.type
        if inside_autolink:
            inside_autolink = kind != "link_close"
        elif kind == "text":
            out.append(escape(token.content, quote=False))
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append(f'<br {SOURCE}="">')
        elif kind == "code_inline":
            out.append(f'<code {SOURCE}="{block.keep(token.meta["source"])}">{escape(token.content)}</code>')
        elif kind in ("em_open", "strong_open", "s_open"):
            out.append(f'<{token.tag} {SOURCE}="{escape(token.markup)}">')
        elif kind in ("em_close", "strong_close", "s_close", "link_close"):
            out.append(f"</{token.tag}>")
        elif kind == "link_open" and token.markup == "autolink":
            out.append(f'<code {SOURCE}="{block.keep(token.meta["source"])}">{escape(token.attrGet("href"))}</code>')
            inside_autolink = True
        elif kind == "link_open":
            title = f' title="{escape(token.attrGet("title"))}"' if token.attrGet("title") else ""
            out.append(f'<a href="{escape(token.attrGet("href"))}"{title} {SOURCE}="{block.keep(token.meta["tail"])}">')
        elif kind == "image":
            alt = escape(token.content)
            out.append(
                f'<img src="{escape(token.attrGet("src"))}" alt="{alt}" {SOURCE}="{block.keep(token.meta["source"])}">'
            )
        elif kind == "html_inline" and phrasing(token.content):
            out.append(token.content)
        elif kind == "html_inline":  # a comment, or a tag that would end the paragraph (<div>): kept as written
            out.append(f'<code {SOURCE}="{block.keep(token.content)}"></code>')
    return "".join(out)


def phrasing(tag: str) -> bool:
    """Whether an inline HTML tag is one of text's own elements (`<kbd>`, `<sup>`, `<br>`): read as HTML, its words
    are translated."""
    name = HTML_TAG_NAME.match(tag)
    return bool(name) and name.group(1).lower() in PHRASING_TAGS


def markdown_of(translation: str, block: Block) -> str:
    """A translated unit written back as Markdown in the block's place."""
    root = lxml.html.fragment_fromstring(translation, create_parent="div")
    if len(root) == 1 and not (root.text or "").strip() and not (root[0].tail or "").strip():
        root = root[0]  # the unit's <p> or <h2>
    lines = [line.strip() for line in written(root, block).split("\n")]
    if block.escape_line_starts:
        lines = [LIST_NUMBER.sub(r"\1\\\2", BLOCK_MARKER.sub(r"\\\g<0>", line)) for line in lines]
    out = lines[0]
    for number, line in enumerate(lines[1:]):
        out += block.breaks[number] + line if number < len(block.breaks) else f" {line}"
    return out


def words(unit: str) -> list[str]:
    """The words of a unit the model reads, where its tags are (a translation may move an inline tag)."""
    return " ".join(Markup(unit, "html", UNIT_TAGS).texts).split()


def written(element: etree._Element, block: Block) -> str:
    """The Markdown of an element's content; a hard line break as a newline."""
    out = text_of(element.text, block)
    for child in element:
        if isinstance(child.tag, str):
            piece = child_markdown(child, block, out[-1:], (child.tail or "")[:1])
            if out[-1:] == piece[:1] and piece[:1] in "`*_~":
                out += " "  # two code spans or emphases a translation put side by side would read as one
            out += piece
        out += text_of(child.tail, block)
    return out


def child_markdown(element: etree._Element, block: Block, before: str, after: str) -> str:
    tag = element.tag
    source = element.get(SOURCE)
    if tag == "br" and source is not None:
        return "\n"  # a Markdown hard break: markdown_of writes the source's marker and the next line's prefix
    if tag in ("code", "img") and source is not None:
        return block.kept[int(source)]
    inner = written(element, block)
    # Spaces at the edges of an element go outside it: `** word**` would not be emphasis.
    leading, stripped, trailing = inner[: len(inner) - len(inner.lstrip())], inner.strip(), inner[len(inner.rstrip()) :]
    if tag in ("em", "strong", "s") and source is not None:
        if not stripped:
            return inner
        if source.startswith("_") and (before.isalnum() or after.isalnum()):
            source = "*" * len(source)  # `_` can't open or close emphasis inside a word; `*` can
        return leading + source + stripped + source + trailing
    if tag == "a" and source is not None:
        return f"{leading}[{stripped}]{block.kept[int(source)]}{trailing}"
    # HTML the source wrote inline, written back as HTML.
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in element.attrib.items())
    return f"<{tag}{attributes}>" + ("" if tag in VOID_TAGS else f"{inner}</{tag}>")


def text_of(text: str | None, block: Block) -> str:
    if not text:
        return ""
    text = SYNTAX.sub(r"\\\g<0>", text.replace("\n", " "))
    return text.replace("|", "\\|") if block.in_table else text


FORMAT = FileFormat("markdown", (".md", ".markdown"), "text/markdown; charset=utf-8", read)
