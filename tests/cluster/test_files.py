"""Files translated as jobs on the real service: POST /documents, its status, its result; DeepL's Python client's
translate_document_from_filepath and LibreTranslate's /translate_file on the same jobs; `textml translate --file
--out`; broken, unknown and oversized files refused by name while the service keeps serving. Each format's
structure is checked by its own library here too (every format in detail, by a rule instead of a model:
tests/unit/test_file_formats_*.py)."""

import io
import time

import deepl
import docx
import markdown_it
import pytest
import requests
import srt
from odf.opendocument import load as load_odt
from odf.text import P
from pptx import Presentation

from helpers.cluster import PROXY, run
from helpers.http import TEXT_ML_ROUTE, ok
from textml.limits import MAX_FILE_BYTES

BASE = f"{PROXY}{TEXT_ML_ROUTE}"
PARAGRAPHS = [
    "It was the best of times, it was the worst of times. It was the age of wisdom.",
    "It was the epoch of belief, it was the epoch of incredulity.",
    "We had everything before us, we had nothing before us.",
]
TEXT_FILE = "\n\n".join(PARAGRAPHS).encode() + b"\n"
# A job of the tiny model takes well under this; a slow CI machine has room.
JOB_S = 120


def translated(text: str) -> str:
    return ok("/translate", {"text": text, "language": "de", "source": "en"})["translation"]


def upload(name: str, data: bytes, **fields) -> requests.Response:
    return requests.post(f"{BASE}/documents", files={"file": (name, data)}, data=fields, timeout=60)


def job_of(name: str, data: bytes, **fields) -> dict:
    response = upload(name, data, language="de", source="en", **fields)
    assert response.status_code == 202, response.text
    return response.json()


def ended(job: dict) -> dict:
    give_up = time.monotonic() + JOB_S
    while job["status"] in ("queued", "translating"):
        assert time.monotonic() < give_up, f"job not done in {JOB_S} s: {job}"
        time.sleep(0.3)
        job = requests.get(f"{BASE}/documents/{job['id']}", timeout=30).json()
    return job


def result_of(job: dict) -> requests.Response:
    job = ended(job)
    assert job["status"] == "done", job
    response = requests.get(f"{BASE}/documents/{job['id']}/result", timeout=30)
    assert response.status_code == 200, response.text
    return response


def test_a_text_file_comes_back_each_paragraph_translated_as_translate_does(cluster):
    job = job_of("talk.txt", TEXT_FILE)
    assert (job["status"], job["filename"], job["result_filename"]) == ("queued", "talk.txt", "talk.de.txt")
    assert job["characters"] == sum(map(len, PARAGRAPHS)) and job["language"] == "de" and job["source"] == "en"
    response = result_of(job)
    assert response.headers["content-type"].startswith("text/plain")
    assert 'filename="talk.de.txt"' in response.headers["content-disposition"]
    assert response.text == "\n\n".join(map(translated, PARAGRAPHS)) + "\n"
    done = requests.get(f"{BASE}/documents/{job['id']}", timeout=30).json()
    assert (done["status"], done["progress"], done["error"]) == ("done", 1.0, None) and done["expires"] > time.time()


def word_file() -> bytes:
    document = docx.Document()
    document.add_heading("A Tale of Two Cities", level=1)
    paragraph = document.add_paragraph("It was the ")
    paragraph.add_run("best").bold = True
    paragraph.add_run(" of times, it was the ")
    paragraph.add_run("worst").italic = True
    paragraph.add_run(" of times.")
    document.add_paragraph(PARAGRAPHS[1], style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = PARAGRAPHS[2], "It was the age of wisdom."
    document.sections[0].header.paragraphs[0].text = "It was the season of Light."
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def slides_file() -> bytes:
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "A Tale of Two Cities"
    slide.placeholders[1].text = PARAGRAPHS[0]
    slide.notes_slide.notes_text_frame.text = PARAGRAPHS[1]
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def odt_file() -> bytes:
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    for text in PARAGRAPHS:
        document.text.addElement(P(text=text))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


MARKDOWN = (
    "# A Tale of Two Cities\n\n"
    f"{PARAGRAPHS[0]} It was *the age* of [wisdom](https://example.org).\n\n"
    f"- {PARAGRAPHS[1]}\n- {PARAGRAPHS[2]}\n\n"
    "```sh\nmake run\n```\n"
).encode()
SUBTITLES = (
    "1\n00:00:01,000 --> 00:00:03,500\nIt was the best of times,\nit was the worst of times.\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nIt was the age of wisdom.\n"
).encode()
PAGE = (
    "<!doctype html><html><head><title>A Tale of Two Cities</title></head><body>"
    f"<h1>A Tale</h1><p>{PARAGRAPHS[0]} It was <b>the age</b> of wisdom.</p><pre>make run</pre></body></html>"
).encode()


def paragraph_texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_every_format_comes_back_in_its_own_format_with_its_structure(cluster):
    files = {
        "talk.docx": word_file(),
        "talk.pptx": slides_file(),
        "talk.odt": odt_file(),
        "talk.md": MARKDOWN,
        "talk.srt": SUBTITLES,
        "talk.html": PAGE,
    }
    jobs = {name: job_of(name, data) for name, data in files.items()}  # all at once: jobs share the engine
    results = {name: result_of(job).content for name, job in jobs.items()}

    source, result = docx.Document(io.BytesIO(files["talk.docx"])), docx.Document(io.BytesIO(results["talk.docx"]))
    assert [p.style.name for p in result.paragraphs] == [p.style.name for p in source.paragraphs]
    assert result.paragraphs[0].text == translated("A Tale of Two Cities")
    assert result.paragraphs[2].text == translated(PARAGRAPHS[1])
    bold = [run for run in result.paragraphs[1].runs if run.bold]
    assert len(bold) == 1 and bold[0].text.strip(), "the bold run kept its formatting on translated words"
    assert result.tables[0].cell(0, 0).text == translated(PARAGRAPHS[2])
    assert result.sections[0].header.paragraphs[0].text == translated("It was the season of Light.")

    slides = Presentation(io.BytesIO(results["talk.pptx"])).slides
    assert len(slides) == 1 and slides[0].shapes.title.text == translated("A Tale of Two Cities")
    assert slides[0].placeholders[1].text == translated(PARAGRAPHS[0])
    assert slides[0].notes_slide.notes_text_frame.text == translated(PARAGRAPHS[1])

    from odf import teletype

    odt = load_odt(io.BytesIO(results["talk.odt"]))
    assert [teletype.extractText(p) for p in odt.getElementsByType(P)] == list(map(translated, PARAGRAPHS))

    parse = markdown_it.MarkdownIt("commonmark").parse
    kinds = [(t.type, t.tag) for t in parse(MARKDOWN.decode())]
    assert [(t.type, t.tag) for t in parse(results["talk.md"].decode())] == kinds
    assert results["talk.md"].decode().endswith("```sh\nmake run\n```\n")
    assert "](https://example.org)" in results["talk.md"].decode()

    cues, source_cues = list(srt.parse(results["talk.srt"].decode())), list(srt.parse(SUBTITLES.decode()))
    assert [(c.index, c.start, c.end) for c in cues] == [(c.index, c.start, c.end) for c in source_cues]
    assert cues[1].content == translated("It was the age of wisdom.")
    assert [c.content.count("\n") for c in cues] == [c.content.count("\n") for c in source_cues]

    page = results["talk.html"].decode()
    assert "<pre>make run</pre>" in page and f"<title>{translated('A Tale of Two Cities')}</title>" in page


def test_deepls_client_translates_a_document_from_its_path(cluster, tmp_path):
    path = tmp_path / "talk.txt"
    path.write_bytes(TEXT_FILE)
    translator = deepl.Translator("any-key", server_url=f"{BASE}/deepl/", send_platform_info=False)
    status = translator.translate_document_from_filepath(path, tmp_path / "talk.de.txt", target_lang="DE")
    assert status.done and status.billed_characters == sum(map(len, PARAGRAPHS))
    assert (tmp_path / "talk.de.txt").read_text() == "\n\n".join(map(translated, PARAGRAPHS)) + "\n"
    handle = translator.translate_document_upload(TEXT_FILE, target_lang="DE", filename="talk.txt")
    with pytest.raises(deepl.DeepLException, match="not found"):
        translator.translate_document_get_status(deepl.DocumentHandle(handle.document_id, "not-its-key"))


def test_libretranslates_translate_file_gives_a_url_to_the_translated_file(cluster):
    response = requests.post(
        f"{BASE}/libretranslate/translate_file",
        files={"file": ("talk.txt", TEXT_FILE)},
        data={"source": "en", "target": "de"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert url.startswith(f"{BASE}/libretranslate/download_file/") and url.endswith("/talk.de.txt")
    assert requests.get(url, timeout=60).text == "\n\n".join(map(translated, PARAGRAPHS)) + "\n"
    settings = requests.get(f"{BASE}/libretranslate/frontend/settings", timeout=30).json()
    assert settings["filesTranslation"] and ".docx" in settings["supportedFilesFormat"]


@pytest.mark.parametrize(
    "name, data, status, named",
    [
        ("talk.pdf", b"%PDF-1.7", 415, "a .pdf file can't be translated: the formats served are .txt"),
        ("talk", b"Hello.", 415, "without an extension"),
        ("talk.docx", b"PK\x03\x04 not really a zip", 400, "not a Word document"),
        ("talk.srt", b"1\nnot a timing\nHello\n", 400, "not SubRip subtitles"),
        ("talk.md", b"\xff\xfe\xfa not utf-8", 400, "UTF-8"),
        ("talk.txt", b"x" * (MAX_FILE_BYTES + 1), 413, "20 MiB"),
    ],
)
def test_a_bad_file_is_refused_by_name_and_the_service_keeps_serving(cluster, name, data, status, named):
    response = upload(name, data, language="de")
    assert response.status_code == status, response.text
    assert named in response.json()["error"], response.json()
    assert translated(PARAGRAPHS[0])


def test_random_and_cut_files_of_every_format_get_a_4xx_or_a_job_that_ends(cluster):
    """Never a 500, never a job that hangs: random bytes and every file above cut in half, named as each format."""
    files = {"docx": word_file(), "pptx": slides_file(), "odt": odt_file(), "md": MARKDOWN, "srt": SUBTITLES}
    files["html"] = PAGE
    random = bytes(range(256)) * 8
    jobs = []
    for extension, data in files.items():
        for name, body in ((f"cut.{extension}", data[: len(data) // 2]), (f"random.{extension}", random)):
            response = upload(name, body, language="de", source="en")
            assert response.status_code in (202, 400), (name, response.status_code, response.text)
            if response.status_code == 202:
                jobs.append(response.json())
            else:
                assert response.json()["error"], name
    for job in jobs:
        assert ended(job)["status"] in ("done", "failed"), job
    assert translated(PARAGRAPHS[0])


def test_unknown_jobs_and_languages_are_refused_by_name(cluster):
    assert requests.get(f"{BASE}/documents/nope", timeout=30).status_code == 404
    assert "no file job 'nope'" in requests.get(f"{BASE}/documents/nope/result", timeout=30).json()["error"]
    response = upload("talk.txt", TEXT_FILE, language="japanese")
    assert response.status_code == 422 and "ja" in response.json()["error"], response.text
    response = requests.post(f"{BASE}/documents", data={"language": "de"}, timeout=30)
    assert response.status_code == 422 and "file" in response.json()["error"], response.text


def test_textml_translate_writes_the_translated_file_with_progress(cluster, tmp_path):
    path = tmp_path / "talk.docx"
    path.write_bytes(word_file())
    out = tmp_path / "out.docx"
    done = run("textml", "translate", "--url", BASE, "--file", str(path), "--language", "german", "--out", str(out))
    assert f"into {out}" in done.stdout
    assert paragraph_texts(out.read_bytes())[0] == translated("A Tale of Two Cities")
    run("textml", "translate", "--url", BASE, "--file", str(path), "--language", "de", "--source", "en")
    assert paragraph_texts((tmp_path / "talk.de.docx").read_bytes()) == paragraph_texts(out.read_bytes())
