"""Word, PowerPoint and OpenDocument files translated with their structure kept (documents/files/word.py,
slides.py, opendocument.py): each sample is built here with the format's own library, translated by a rule through
the real reading, markup and rendering code, and read back with the same library to check its structure.

Rules: str.upper shows where every word went; reversing each sentence's words moves words across runs, and the
formatting must follow them; the identity gives back every paragraph's text as it was.
"""

import io
import random
import zipfile

import docx
import lxml.etree as etree
import pptx
import pytest
from docx.enum.text import WD_BREAK
from docx.opc.constants import CONTENT_TYPE as DOCX_CT
from docx.opc.constants import RELATIONSHIP_TYPE as DOCX_RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from odf import teletype
from odf.opendocument import OpenDocumentText, load
from odf.style import Footer, Header, MasterPage, PageLayout, Style, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import A, Bookmark, H, LineBreak, List, ListItem, P, S, Span, Tab
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from helpers.file_translation import translated_file
from textml.documents.files import BrokenFile
from textml.documents.files.formats import read_file

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
LINK = "https://example.com/read?a=1&b=2"
BOOKMARK = ("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "bookmark")


def reversed_words(sentence: str) -> str:
    return " ".join(reversed(sentence.split()))


def identity(sentence: str) -> str:
    return sentence


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# Word


def add_hyperlink(paragraph, text: str, url: str) -> None:
    """python-docx reads hyperlinks but has no call to add one."""
    link = OxmlElement("w:hyperlink", attrs={qn("r:id"): paragraph.part.relate_to(url, DOCX_RT.HYPERLINK, True)})
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:t"))
    run[0].text = text
    link.append(run)
    paragraph._p.append(link)


def add_footnote(document, paragraph, text: str) -> None:
    """A footnotes part with one footnote, referenced at the paragraph's end (python-docx writes none)."""
    notes = parse_xml(
        f'<w:footnotes {W_NS}><w:footnote w:id="1"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote></w:footnotes>'
    )
    part = XmlPart(PackURI("/word/footnotes.xml"), DOCX_CT.WML_FOOTNOTES, notes, document.part.package)
    document.part.relate_to(part, DOCX_RT.FOOTNOTES)
    paragraph.add_run()._r.append(parse_xml(f'<w:footnoteReference {W_NS} w:id="1"/>'))


def add_text_box(paragraph, text: str) -> None:
    box = parse_xml(
        f'<w:pict {W_NS} xmlns:v="urn:schemas-microsoft-com:vml"><v:shape style="width:100pt;height:40pt">'
        f"<v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox>"
        "</v:shape></w:pict>"
    )
    paragraph.add_run()._r.append(box)


@pytest.fixture(scope="module")
def word_file() -> bytes:
    document = docx.Document()
    document.add_heading("The annual report", 0)
    document.add_heading("A first chapter", 1)
    document.add_paragraph("This paragraph is plain. It has two sentences.")
    mixed = document.add_paragraph("Hello ")
    mixed.add_run("brave").bold = True
    mixed.add_run(" new ")
    mixed.add_run("world").italic = True
    mixed.add_run(", read ")
    add_hyperlink(mixed, "the site", LINK)
    mixed.add_run(" for more.")
    document.add_comment(mixed.runs[1], text="Is this word right?", author="Ann")
    split = document.add_paragraph()
    for piece in ("Spell", "ing split ", "this run."):  # as Word does for spell checking
        split.add_run(piece)
    document.add_paragraph("An apple a day.", style="List Bullet")
    document.add_paragraph("A pear at night.", style="List Bullet")
    document.add_paragraph("Count to one.", style="List Number")
    document.add_paragraph("Count to two.", style="List Number")
    table = document.add_table(rows=2, cols=3)
    for index, cell in enumerate(cell for row in table.rows for cell in row.cells):
        cell.text = f"Cell number {index}."
    table.cell(0, 0).merge(table.cell(0, 1)).text = "A merged cell."
    table.cell(1, 2).add_table(rows=1, cols=1).cell(0, 0).text = "A nested cell."
    breaking = document.add_paragraph("Before the break.")
    breaking.add_run().add_break(WD_BREAK.PAGE)
    breaking.add_run("After the break.")
    tabbed = document.add_paragraph("Name:")
    tabbed.add_run().add_tab()
    tabbed.add_run("Ada Lovelace")
    document.add_paragraph()
    noted = document.add_paragraph("A claim with a note.")
    add_footnote(document, noted, "The note says why.")
    add_text_box(document.add_paragraph(), "Text in a box.")
    section = document.sections[0]
    section.header.paragraphs[0].text = "The header line."
    section.footer.paragraphs[0].text = "The footer line."
    return saved(document)


def word_paragraphs(document) -> list:
    """The body's paragraphs, then its tables' (nested ones too), then the header's and the footer's."""

    def in_table(table):
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
                for inner in cell.tables:
                    yield from in_table(inner)

    section = document.sections[0]
    tables = [paragraph for table in document.tables for paragraph in in_table(table)]
    return [*document.paragraphs, *tables, *section.header.paragraphs, *section.footer.paragraphs]


def letters(text: str) -> list[str]:
    """What a word-reversing rule keeps: the characters but spaces, in any order (a page break has no text in a
    paragraph's `.text`: the words on either side are joined there)."""
    return sorted(text.replace(" ", ""))


def word_part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode()


def test_word_paragraphs_keep_their_styles_and_their_text_is_translated(word_file):
    """Same paragraphs with the same styles (title, heading, lists) in order, in the body (an empty one too),
    the table and its nested table, the header and the footer; each one's text translated whole."""
    original = docx.Document(io.BytesIO(word_file))
    translated = docx.Document(io.BytesIO(translated_file("report.docx", word_file, str.upper)))
    before, after = word_paragraphs(original), word_paragraphs(translated)
    assert [paragraph.style.name for paragraph in after] == [paragraph.style.name for paragraph in before]
    assert [paragraph.text for paragraph in after] == [paragraph.text.upper() for paragraph in before]
    assert {"Title", "Heading 1", "List Bullet", "List Number"} <= {p.style.name for p in translated.paragraphs}


def test_word_runs_keep_their_formatting_and_links_their_targets(word_file):
    """The bold and the italic run and the link wrap the same words, upper-cased; a comment on a run is
    translated; a run's text with a space at its edge says to keep it (Word drops it otherwise)."""
    data = translated_file("report.docx", word_file, str.upper)
    translated = docx.Document(io.BytesIO(data))
    mixed = translated.paragraphs[3]
    assert [run.text.strip() for run in mixed.runs if run.bold] == ["BRAVE"]
    assert [run.text.strip() for run in mixed.runs if run.italic] == ["WORLD,"]
    [link] = mixed.hyperlinks
    assert link.url == LINK
    assert link.text.strip() == "THE SITE"
    assert [comment.text for comment in translated.comments] == ["IS THIS WORD RIGHT?"]
    body = word_part(data, "word/document.xml")
    assert (
        body.index("HELLO")
        < body.index("<w:commentRangeStart")
        < body.index("BRAVE")
        < body.index("<w:commentRangeEnd")
    )
    texts = etree.fromstring(body.encode()).iter(W + "t")
    assert all(text.get(XML_SPACE) == "preserve" for text in texts if text.text != text.text.strip())


def test_word_runs_keep_whole_words_when_the_translation_moves_them(word_file):
    """Each sentence's words reversed: every paragraph holds the same letters and the same style; the bold, the
    italic and the linked run are still there, each over whole words at the place its words had in the sentence
    (alignment.py), the link to the same target."""
    original = docx.Document(io.BytesIO(word_file))
    translated = docx.Document(io.BytesIO(translated_file("report.docx", word_file, reversed_words)))
    before, after = word_paragraphs(original), word_paragraphs(translated)
    assert [letters(p.text) for p in after] == [letters(p.text) for p in before]
    assert [p.style.name for p in after] == [p.style.name for p in before]
    mixed = translated.paragraphs[3]
    assert mixed.text == "more. for site the read world, new brave Hello"
    pieces = list(mixed.iter_inner_content())  # runs and hyperlinks in order
    assert [word for piece in pieces for word in piece.text.split()] == mixed.text.split()
    assert len([run for run in mixed.runs if run.bold and run.text.strip()]) == 1
    assert len([run for run in mixed.runs if run.italic and run.text.strip()]) == 1
    [link] = mixed.hyperlinks
    assert link.url == LINK and link.text.strip()


def test_word_runs_of_one_formatting_are_merged(word_file):
    """A word Word split into two runs of one formatting is one run again, so no tag can cut it."""
    translated = docx.Document(io.BytesIO(translated_file("report.docx", word_file, str.upper)))
    assert [run.text for run in translated.paragraphs[4].runs] == ["SPELLING SPLIT THIS RUN."]


def test_word_tables_keep_their_shape_and_merged_cells(word_file):
    translated = docx.Document(io.BytesIO(translated_file("report.docx", word_file, str.upper)))
    [table] = translated.tables
    assert (len(table.rows), len(table.columns)) == (2, 3)
    assert table.cell(0, 0).grid_span == 2
    assert table.cell(0, 0).text == "A MERGED CELL."
    assert table.cell(1, 2).tables[0].cell(0, 0).text == "A NESTED CELL."


def test_word_breaks_tabs_notes_and_text_boxes_stay_in_their_place(word_file):
    """A page break and a tab split their paragraph's text and stay between the same words; the footnote's
    text and a text box's are translated, the footnote reference stays."""
    translated = translated_file("report.docx", word_file, str.upper)
    body = word_part(translated, "word/document.xml")
    assert body.index("BEFORE THE BREAK.") < body.index('w:type="page"') < body.index("AFTER THE BREAK.")
    assert body.index("NAME:") < body.index("<w:tab/>") < body.index("ADA LOVELACE")
    assert body.index("A CLAIM WITH A NOTE.") < body.index('<w:footnoteReference w:id="1"/>')
    assert "TEXT IN A BOX." in body
    assert "THE NOTE SAYS WHY." in word_part(translated, "word/footnotes.xml")
    document = docx.Document(io.BytesIO(translated))
    assert document.paragraphs[10].text == "NAME:\tADA LOVELACE"


def test_word_identity_gives_back_every_paragraph_text(word_file):
    original = docx.Document(io.BytesIO(word_file))
    translated = docx.Document(io.BytesIO(translated_file("report.docx", word_file, identity)))
    assert [paragraph.text for paragraph in word_paragraphs(translated)] == [
        paragraph.text for paragraph in word_paragraphs(original)
    ]


# PowerPoint


@pytest.fixture(scope="module")
def slides_file() -> bytes:
    presentation = pptx.Presentation()
    bullets = presentation.slides.add_slide(presentation.slide_layouts[1])
    bullets.shapes.title.text = "Our quarterly plan"
    body = bullets.placeholders[1].text_frame
    body.text = "Grow the team."
    deeper = body.add_paragraph()
    deeper.text = "Hire two people."
    deeper.level = 1
    bullets.notes_slide.notes_text_frame.text = "Speak slowly here."
    blank = presentation.slides.add_slide(presentation.slide_layouts[6])
    paragraph = blank.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1)).text_frame.paragraphs[0]
    for text, bold, link in [("Click ", None, None), ("here", True, None), (" to read ", None, None)] + [
        ("the site", None, LINK),
        (".", None, None),
    ]:
        run = paragraph.add_run()
        run.text, run.font.bold = text, bold
        if link:
            run.hyperlink.address = link
    paragraph.add_line_break()
    paragraph.add_run().text = "A second line."
    group = blank.shapes.add_group_shape()
    group.shapes.add_textbox(0, 0, Inches(2), Inches(1)).text_frame.text = "Grouped words."
    table = blank.shapes.add_table(2, 3, 0, Inches(3), Inches(6), Inches(1)).table
    for index, cell in enumerate(table.iter_cells()):
        cell.text = f"Cell number {index}."
    return saved(presentation)


def slide_paragraphs(presentation) -> list[str]:
    """Every paragraph's text of every slide's shapes (groups and tables walked), then of its notes."""

    def in_shapes(shapes):
        for shape in shapes:
            if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
                yield from in_shapes(shape.shapes)
            elif shape.has_text_frame:
                yield from (paragraph.text for paragraph in shape.text_frame.paragraphs)
            elif shape.has_table:
                yield from (
                    paragraph.text for cell in shape.table.iter_cells() for paragraph in cell.text_frame.paragraphs
                )

    texts = []
    for slide in presentation.slides:
        texts += in_shapes(slide.shapes)
        if slide.has_notes_slide:
            texts += [paragraph.text for paragraph in slide.notes_slide.notes_text_frame.paragraphs]
    return texts


def test_slides_text_is_translated_in_every_shape_group_table_and_note(slides_file):
    original = pptx.Presentation(io.BytesIO(slides_file))
    translated = pptx.Presentation(io.BytesIO(translated_file("plan.pptx", slides_file, str.upper)))
    assert slide_paragraphs(translated) == [text.upper() for text in slide_paragraphs(original)]
    first, second = translated.slides
    assert [paragraph.level for paragraph in first.placeholders[1].text_frame.paragraphs] == [0, 1]
    assert first.notes_slide.notes_text_frame.text == "SPEAK SLOWLY HERE."
    box, group, table = second.shapes
    assert group.shape_type == MSO_SHAPE_TYPE.GROUP and group.shapes[0].text_frame.text == "GROUPED WORDS."
    assert (len(table.table.rows), len(table.table.columns)) == (2, 3)


def test_slides_runs_keep_their_formatting_links_and_line_breaks(slides_file):
    translated = pptx.Presentation(io.BytesIO(translated_file("plan.pptx", slides_file, str.upper)))
    paragraph = translated.slides[1].shapes[0].text_frame.paragraphs[0]
    assert paragraph.text == "CLICK HERE TO READ THE SITE.\vA SECOND LINE."
    assert [run.text.strip() for run in paragraph.runs if run.font.bold] == ["HERE"]
    [link] = [run for run in paragraph.runs if run.hyperlink.address]
    assert link.hyperlink.address == LINK
    assert link.text.strip().startswith("THE SITE")


def test_slides_runs_keep_whole_words_when_the_translation_moves_them(slides_file):
    original = pptx.Presentation(io.BytesIO(slides_file))
    translated = pptx.Presentation(io.BytesIO(translated_file("plan.pptx", slides_file, reversed_words)))
    assert [sorted(text.split()) for text in slide_paragraphs(translated)] == [
        sorted(text.split()) for text in slide_paragraphs(original)
    ]
    paragraph = translated.slides[1].shapes[0].text_frame.paragraphs[0]
    assert paragraph.text == "site. the read to here Click\vline. second A"
    assert [word for run in paragraph.runs for word in run.text.split()] == paragraph.text.split()
    assert len([run for run in paragraph.runs if run.font.bold and run.text.strip()]) == 1
    [link] = [run for run in paragraph.runs if run.hyperlink.address]
    assert link.hyperlink.address == LINK and link.text.strip()


def test_slides_layouts_and_masters_are_left_as_they_were(slides_file):
    translated = translated_file("plan.pptx", slides_file, str.upper)
    before, after = zipfile.ZipFile(io.BytesIO(slides_file)), zipfile.ZipFile(io.BytesIO(translated))
    names = [name for name in before.namelist() if name.startswith(("ppt/slideLayouts/", "ppt/slideMasters/"))]
    assert names and all(before.read(name) == after.read(name) for name in names)


def test_slides_identity_gives_back_every_paragraph_text(slides_file):
    original = pptx.Presentation(io.BytesIO(slides_file))
    translated = pptx.Presentation(io.BytesIO(translated_file("plan.pptx", slides_file, identity)))
    assert slide_paragraphs(translated) == slide_paragraphs(original)


# OpenDocument


@pytest.fixture(scope="module")
def odt_file() -> bytes:
    document = OpenDocumentText()
    bold = Style(name="Bold", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    layout = PageLayout(name="Page")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    for place, text in ((Header(), "The header line."), (Footer(), "The footer line.")):
        place.addElement(P(text=text))
        master.addElement(place)
    document.masterstyles.addElement(master)
    body = document.text
    body.addElement(H(outlinelevel=1, text="A first chapter"))
    mixed = P()
    mixed.addText("Hello ")
    mixed.addElement(Span(stylename=bold, text="brave"))
    mixed.addText(" world, ")
    mixed.addElement(Bookmark(name="here"))
    mixed.addText("read ")
    mixed.addElement(A(href=LINK, type="simple", text="the site"))
    mixed.addText(" for more.")
    body.addElement(mixed)
    spaced = P(text="Name:")
    for element, text in ((Tab(), "Ada"), (S(c=2), "Lovelace"), (LineBreak(), "London.")):
        spaced.addElement(element)
        spaced.addText(text)
    body.addElement(spaced)
    items = List()
    for text in ("An apple a day.", "A pear at night."):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    body.addElement(items)
    table = Table(name="Figures")
    table.addElement(TableColumn(numbercolumnsrepeated=3))
    for row_index in range(2):
        row = TableRow()
        for column in range(3):
            cell = TableCell()
            cell.addElement(P(text=f"Cell {row_index} {column}."))
            row.addElement(cell)
        table.addElement(row)
    body.addElement(table)
    body.addElement(P())
    return saved(document)


def odt_paragraphs(document) -> list:
    """Every heading and paragraph, the master page's header and footer among them, in document order."""
    found = []

    def walk(element):
        for child in element.childNodes:
            if child.nodeType == child.ELEMENT_NODE:
                if child.qname[1] in ("p", "h"):
                    found.append(child)
                walk(child)

    walk(document.body)
    walk(document.masterstyles)
    return found


def text_of(nodes) -> str:
    return "".join(teletype.extractText(node) if node.nodeType == node.ELEMENT_NODE else node.data for node in nodes)


def test_odt_paragraphs_keep_their_kind_style_and_place(odt_file):
    original = load(io.BytesIO(odt_file))
    translated = load(io.BytesIO(translated_file("report.odt", odt_file, str.upper)))
    before, after = odt_paragraphs(original), odt_paragraphs(translated)
    assert [(p.qname, p.getAttribute("stylename")) for p in after] == [
        (p.qname, p.getAttribute("stylename")) for p in before
    ]
    assert [teletype.extractText(p) for p in after] == [teletype.extractText(p).upper() for p in before]
    [table] = translated.getElementsByType(Table)
    assert [len(row.getElementsByType(TableCell)) for row in table.getElementsByType(TableRow)] == [3, 3]
    assert len(translated.getElementsByType(ListItem)) == 2
    assert [teletype.extractText(p) for p in after[-2:]] == ["THE HEADER LINE.", "THE FOOTER LINE."]


def test_odt_spans_links_and_spacing_stay_with_their_words(odt_file):
    translated = load(io.BytesIO(translated_file("report.odt", odt_file, str.upper)))
    [span] = translated.getElementsByType(Span)
    assert span.getAttribute("stylename") == "Bold" and teletype.extractText(span).strip() == "BRAVE"
    [link] = translated.getElementsByType(A)
    assert link.getAttribute("href") == LINK and teletype.extractText(link).strip() == "THE SITE"
    mixed = odt_paragraphs(translated)[1]
    [mark] = [index for index, child in enumerate(mixed.childNodes) if getattr(child, "qname", None) == BOOKMARK]
    assert teletype.extractText(mixed).startswith(text_of(mixed.childNodes[:mark]) + "READ THE SITE")
    spaced = odt_paragraphs(translated)[2]
    assert [child.qname[1] for child in spaced.childNodes if child.nodeType == child.ELEMENT_NODE] == [
        "tab",
        "s",
        "line-break",
    ]
    assert teletype.extractText(spaced) == "NAME:\tADA  LOVELACE\nLONDON."


def test_odt_runs_keep_whole_words_when_the_translation_moves_them(odt_file):
    original = load(io.BytesIO(odt_file))
    translated = load(io.BytesIO(translated_file("report.odt", odt_file, reversed_words)))
    before, after = odt_paragraphs(original), odt_paragraphs(translated)
    assert [sorted(teletype.extractText(p).split()) for p in after] == [
        sorted(teletype.extractText(p).split()) for p in before
    ]
    words = teletype.extractText(after[1]).split()
    [span], [link] = translated.getElementsByType(Span), translated.getElementsByType(A)
    assert span.getAttribute("stylename") == "Bold" and teletype.extractText(span).split()[0] in words
    assert link.getAttribute("href") == LINK and set(teletype.extractText(link).split()) <= set(words)


def test_odt_identity_gives_back_every_paragraph_text_and_a_valid_package(odt_file):
    translated = translated_file("report.odt", odt_file, identity)
    assert [teletype.extractText(p) for p in odt_paragraphs(load(io.BytesIO(translated)))] == [
        teletype.extractText(p) for p in odt_paragraphs(load(io.BytesIO(odt_file)))
    ]
    first = zipfile.ZipFile(io.BytesIO(translated)).infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)


# Broken files


def zip_of(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


NOISE = random.Random(0).randbytes(2000)


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("a.docx", NOISE, "not a zip"),
        ("a.docx", b"", "not a zip"),
        ("a.docx", zip_of({}), r"\[Content_Types\].xml"),
        ("a.docx", zip_of({"notes.txt": "hello"}), r"\[Content_Types\].xml"),
        ("a.pptx", NOISE, "not a zip"),
        ("a.pptx", zip_of({}), r"\[Content_Types\].xml"),
        ("a.odt", NOISE, "not a zip"),
        ("a.odt", zip_of({}), "no mimetype"),
        ("a.odt", zip_of({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}), "opendocument.spreadsheet"),
    ],
)
def test_a_broken_file_is_refused_naming_the_problem(name, data, says):
    with pytest.raises(BrokenFile, match=says):
        read_file(name, data)


def test_an_office_file_of_another_kind_is_refused_naming_its_kind(word_file, slides_file):
    with pytest.raises(BrokenFile, match="not a Word document.*presentationml"):
        read_file("slides.docx", slides_file)
    with pytest.raises(BrokenFile, match="not a PowerPoint presentation.*wordprocessingml"):
        read_file("report.pptx", word_file)
    with pytest.raises(BrokenFile, match="no mimetype"):
        read_file("report.odt", word_file)
