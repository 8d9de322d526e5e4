"""Subtitles: SubRip (.srt, read by the `srt` library) and WebVTT (.vtt). Each cue's text is one unit, translated
whole (a sentence often runs over a cue's two lines), then cut again into as many lines as the cue had, at the
spaces nearest to equal lengths. Everything else is written back byte for byte: indexes, timings and their
settings, a WebVTT file's header, NOTE, STYLE and REGION blocks, blank lines and line endings.

- A cue with tags (`<i>`, `<b>`, `<font color="...">`, WebVTT's `<v Bob>`, `<c.yellow>`) is a unit of HTML markup:
  each tag stays on the words it wrapped and is written back exactly as the source wrote it; a WebVTT timestamp
  tag or a SubRip `{\\an8}` position code stays in its place among the words.
- A dialogue cue, each line a speaker's ("- Hi.", "- Hello."), keeps one line per speaker.
- Cues are translated one by one, never merged: their timings must stay, so a sentence running over two cues is
  translated in two parts.
"""

import html
import re
from dataclasses import dataclass, field
from itertools import pairwise

import lxml.etree as etree
import lxml.html
import srt

from textml.documents.files import BrokenFile, FileFormat, Unit
from textml.documents.files.text import Encoding, decoded, has_words, lines_of

# A tag (`<i>`, `</font>`, `<00:01.500>`) or a SubRip position code (`{\an8}`).
TAG = re.compile(r"<[^<>\n]*>|\{\\[^{}\n]*\}")
CLOSING_TAG = re.compile(r"</([^\s>.]*)")
OPENING_TAG = re.compile(r"<([A-Za-z][^\s>.]*)")
DIALOGUE_LINE = re.compile(r"^(?:<[^>]*>)*[-–—]")
SOURCE = "data-tag"  # on a unit's element: the index of the source tags it stands for

WEBVTT_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?$")
WEBVTT_TIMESTAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
WEBVTT_TIMING = re.compile(rf"{WEBVTT_TIMESTAMP}[ \t]+-->[ \t]+{WEBVTT_TIMESTAMP}(?:[ \t].*)?$")


@dataclass
class Cue:
    """A cue's text: `source[start:end]`, its line count and line ending, and its tags as the source wrote them."""

    start: int
    end: int
    line_ending: str
    escaped: bool  # WebVTT writes &, < and > as &amp; &lt; &gt;; SubRip writes them as they are
    lines: int = 0
    tags: list[tuple[str, str]] = field(default_factory=list)  # per element: its opening and closing source


@dataclass
class SubtitlesDocument:
    source: str
    encoding: Encoding
    units: list[Unit] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)

    def add(self, cue: Cue):
        text = self.source[cue.start : cue.end]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not has_words(TAG.sub("", text)):
            return  # nothing to translate: "♪", "* * *"
        cue.lines = len(lines)
        joined = ("\n" if all(DIALOGUE_LINE.match(line) for line in lines) else " ").join(lines)
        self.units.append(cue_unit(joined, cue))
        self.cues.append(cue)

    def render(self, translations: list[str]) -> bytes:
        if len(translations) != len(self.units):
            raise ValueError(f"{len(translations)} translations for {len(self.units)} units")
        written, position = [], 0
        for unit, cue, translation in zip(self.units, self.cues, translations, strict=True):
            written.append(self.source[position : cue.start])
            text = cue_text(translation, unit, cue)
            if text.split() == cue_text(unit.text, unit, cue).split():
                written.append(self.source[cue.start : cue.end])  # unchanged: its lines as they were
            else:
                written.append(cue.line_ending.join(laid_out(text, cue.lines)))
            position = cue.end
        written.append(self.source[position:])
        return self.encoding.encode("".join(written))


def cue_unit(text: str, cue: Cue) -> Unit:
    """The cue's text as plain text, or as HTML where it has tags: each tag an element saying which it was."""
    if not TAG.search(text):
        return Unit(html.unescape(text) if cue.escaped else text)
    out: list[str] = []
    open_elements: list[int] = []
    position = 0
    for found in TAG.finditer(text):
        out.append(plain_html(text[position : found.start()], cue))
        position = found.end()
        tag = found.group(0)
        closing = CLOSING_TAG.match(tag)
        if closing and open_elements:
            index = open_elements.pop()
            cue.tags[index] = (cue.tags[index][0], tag)
            out.append("</span>")
        elif OPENING_TAG.match(tag):
            open_elements.append(len(cue.tags))
            out.append(f'<span {SOURCE}="{len(cue.tags)}">')
            cue.tags.append((tag, ""))  # no closing tag until one is found: a cue may leave `<v Bob>` open
        else:  # a timestamp, a position code, a stray closing tag: kept in its place among the words
            out.append(f'<code {SOURCE}="{len(cue.tags)}"></code>')
            cue.tags.append((tag, ""))
    out.append(plain_html(text[position:], cue))
    return Unit(f"<p>{''.join(out)}</p>", "html")


def plain_html(text: str, cue: Cue) -> str:
    return html.escape(html.unescape(text) if cue.escaped else text, quote=False)


def cue_text(translation: str, unit: Unit, cue: Cue) -> str:
    """A translation written back as the cue's text: an HTML unit with the cue's own tags."""
    if not unit.markup:
        return written_text(translation, cue)
    root = lxml.html.fragment_fromstring(translation, create_parent="div")
    if len(root) == 1 and not (root.text or "").strip() and not (root[0].tail or "").strip():
        root = root[0]
    return written(root, cue)


def written(element: etree._Element, cue: Cue) -> str:
    out = written_text(element.text, cue)
    for child in element:
        index = child.get(SOURCE)
        if index is not None and int(index) < len(cue.tags):
            opening, closing = cue.tags[int(index)]
            out += opening + (written(child, cue) + closing if child.tag == "span" else "")
        elif isinstance(child.tag, str):
            out += written(child, cue)
        out += written_text(child.tail, cue)
    return out


def written_text(text: str | None, cue: Cue) -> str:
    if not text:
        return ""
    return html.escape(text, quote=False) if cue.escaped else text


def laid_out(text: str, count: int) -> list[str]:
    """The cue's translation on `count` lines: as the translation cut them when it kept the source's line breaks
    (a dialogue), else cut at the spaces nearest to equal lengths, never inside a tag."""
    lines = [line.strip() for line in text.split("\n")]
    if len(lines) == count and all(lines):
        return lines
    text = " ".join(text.split())
    inside_tags = {position for found in TAG.finditer(text) for position in range(found.start(), found.end())}
    visible = [position for position in range(len(text)) if position not in inside_tags]
    spaces = [rank for rank, position in enumerate(visible) if text[position] == " "]
    cuts: list[int] = []
    for line in range(1, count):
        target = len(visible) * line / count
        candidates = [rank for rank in spaces if not cuts or rank > cuts[-1]]
        if candidates:
            cuts.append(min(candidates, key=lambda rank: abs(rank - target)))
    bounds = [0, *(visible[rank] for rank in cuts), len(text)]
    return [text[start:end].strip() for start, end in pairwise(bounds)]


def read_srt(data: bytes) -> SubtitlesDocument:
    text, encoding = decoded(data)
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as error:
        unread = error.unmatched_content.strip()
        line = text.count("\n", 0, text.index(unread, error.expected_start)) + 1 if unread else 1
        raise BrokenFile(
            f"the file is not SubRip subtitles: line {line} should start a subtitle (its number, then a timing like "
            f"00:00:01,000 --> 00:00:02,500), not {unread[:60]!r}"
        ) from None
    document = SubtitlesDocument(text, encoding)
    # The cues' places in the text: srt.parse reads them with this pattern (checked on srt 3.5.3), and its
    # Subtitle objects don't keep them.
    places = list(srt.SRT_REGEX.finditer(text))
    if len(places) != len(subtitles):
        raise BrokenFile(f"the file's {len(subtitles)} subtitles could not be found in it")
    for place in places:
        content = place.group(5)
        line_ending = "\r\n" if "\r\n" in place.group(0) else "\n"
        start = place.start(5)
        document.add(Cue(start, start + len(content.rstrip("\r\n")), line_ending, escaped=False))
    return document


def read_vtt(data: bytes) -> SubtitlesDocument:
    text, encoding = decoded(data)
    lines = lines_of(text)
    if not lines or not WEBVTT_HEADER.match(lines[0][0]):
        raise BrokenFile('the file is not WebVTT subtitles: its first line must be "WEBVTT"')
    document = SubtitlesDocument(text, encoding)
    starts = [0]
    for body, ending in lines:
        starts.append(starts[-1] + len(body) + len(ending))
    block: list[int] = []  # the line numbers of the block being read; blocks are separated by blank lines
    for number, (body, _) in enumerate([*lines, ("", "")]):
        if body.strip():
            block.append(number)
            continue
        timing = next((line for line in block[:2] if "-->" in lines[line][0]), None)
        if block and block[0] > 0 and timing is not None:  # a cue: NOTE, STYLE and REGION blocks stay as they are
            if not WEBVTT_TIMING.match(lines[timing][0].strip()):
                raise BrokenFile(f"the cue timing on line {timing + 1} is not valid WebVTT: {lines[timing][0]!r}")
            if timing < block[-1]:
                first, last = timing + 1, block[-1]
                end = starts[last] + len(lines[last][0])
                document.add(Cue(starts[first], end, lines[first][1] or "\n", escaped=True))
        block = []
    return document


FORMAT = FileFormat("srt", (".srt",), "application/x-subrip", read_srt)
# Not in formats.MODULES' list of FORMATs yet: a module names one format, and WebVTT has a media type of its own.
WEBVTT = FileFormat("vtt", (".vtt",), "text/vtt; charset=utf-8", read_vtt)
FORMATS = (FORMAT, WEBVTT)
