"""HTML pages (.html, .htm, .xhtml): the whole page is one unit of markup, translated with every tag kept
(markup.py): the doctype, the head, entities, `<pre>`, `<code>` and `<script>` stay as they are; the `<title>`
and the text of the body are translated.

Attributes are never translated, `alt` and `title` included (markup.py translates text only).

The page is read in the encoding it declares (a byte order mark, then an XML declaration or a `<meta charset>`
in its first 1024 bytes), else as UTF-8, and written back in the same one: a character that encoding can't hold
is written as a numeric character reference (`&#1046;`).

An XHTML page (one that starts with an XML declaration and parses as XML) is translated as XML, with HTML's
rules for which elements are blocks, inline or untranslated, so that it is written back well-formed; what comes
before its root element (the XML declaration, the doctype) is kept as it was, as markup.py writes XML back from
the root element.
"""

import codecs
import re
from dataclasses import dataclass

import lxml.etree as etree

from textml.documents.files import BrokenFile, FileFormat, Unit
from textml.documents.files.text import BOMS
from textml.documents.markup import BLOCK_TAGS, INLINE_TAGS, NO_TAGS, UNTRANSLATED_TAGS, XML_PARSER, Tags

PRESCAN_BYTES = 1024
DECLARED = (
    re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)", re.IGNORECASE),
    re.compile(rb"<meta[^>]*?\bcharset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE),
)
# Labels that browsers read as another encoding (the WHATWG Encoding Standard): a page labelled Latin-1 is
# windows-1252; a page whose <meta> could be read in ASCII can't be UTF-16.
BROWSER_ENCODINGS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}
# XHTML's elements read with HTML's rules: markup.py applies its HTML lists to "html" markup only.
XHTML_TAGS = Tags(ignore=UNTRANSLATED_TAGS, splitting=BLOCK_TAGS, non_splitting=INLINE_TAGS)
XML_DECLARATION = re.compile(r"\s*<\?xml[^>]*\?>")
DOCTYPE = re.compile(r"\s*<!doctype[^>]*>\s*", re.IGNORECASE)
ROOT_ELEMENT = re.compile(r"<(?![?!])")  # the first tag that is not a declaration, doctype or comment


@dataclass
class HtmlDocument:
    units: list[Unit]
    codec: str
    bom: bytes
    prolog: str = ""  # kept as they were: what comes before the unit, and the whitespace after it
    epilog: str = ""
    has_doctype: bool = True

    def render(self, translations: list[str]) -> bytes:
        if len(translations) != len(self.units):
            raise ValueError(f"{len(translations)} translations for {len(self.units)} units")
        page = "".join(translations)
        if not self.has_doctype:  # lxml writes its default doctype for a page without one: not what was sent
            page = DOCTYPE.sub("", page, count=1)
        page = self.prolog + page + self.epilog
        return self.bom + page.encode(self.codec, errors="xmlcharrefreplace")


def encoding_of(data: bytes) -> tuple[str, bytes]:
    """The codec a page is written in, and its byte order mark ("" without one)."""
    for codec, bom in BOMS:
        if data.startswith(bom):
            return codec, bom
    for declaration in DECLARED:
        found = declaration.search(data[:PRESCAN_BYTES])
        if found:
            try:
                codec = codecs.lookup(found.group(1).decode("ascii")).name
            except LookupError:
                continue  # a label no codec has: ignored, as browsers do
            return BROWSER_ENCODINGS.get(codec, codec), b""
    return "utf-8", b""


def read(data: bytes) -> HtmlDocument:
    codec, bom = encoding_of(data)
    try:
        page = data[len(bom) :].decode(codec)
    except UnicodeDecodeError as error:
        raise BrokenFile(
            f"the page is not valid {codec} text (byte 0x{data[len(bom) + error.start]:02X} at offset "
            f"{len(bom) + error.start}): declare its encoding in a <meta charset> or save it as UTF-8"
        ) from None
    if not page.strip():
        return HtmlDocument([], codec, bom, prolog=page)
    # The whitespace around the page kept here: the serializer drops it (a newline after </html>).
    start, end = len(page) - len(page.lstrip()), len(page.rstrip())
    if is_xml(page):
        start = ROOT_ELEMENT.search(page).start()
        return HtmlDocument([Unit(page[start:end], "xml", XHTML_TAGS)], codec, bom, page[:start], page[end:])
    has_doctype = bool(DOCTYPE.search(page[:PRESCAN_BYTES]))
    return HtmlDocument([Unit(page[start:end], "html", NO_TAGS)], codec, bom, page[:start], page[end:], has_doctype)


def is_xml(page: str) -> bool:
    """Whether the page is XHTML that an XML parser reads. Only a page that says so with an XML declaration: an
    XHTML 1.0 page served as text/html must keep HTML's syntax (`<script></script>`, never `<script/>`)."""
    if not XML_DECLARATION.match(page):
        return False
    try:
        etree.fromstring(XML_DECLARATION.sub("", page, count=1).encode(), XML_PARSER)
    except etree.XMLSyntaxError:
        return False
    return True


# No charset: a page is written back in its own encoding, which its <meta> or byte order mark declares.
FORMAT = FileFormat("html", (".html", ".htm", ".xhtml"), "text/html", read)
