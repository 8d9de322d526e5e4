"""LibreTranslate's and DeepL's APIs, driven by their own clients (libretranslatepy, DeepL's `deepl` package
pointed at textml with `server_url`) and by raw requests for what the clients don't send; every answer equal to
textml's own /translate on the same text. HTML and XML translated with every tag kept.
"""

import deepl
import lxml.etree as etree
import lxml.html
import pytest
import requests
from libretranslatepy import LibreTranslateAPI

from helpers.cluster import PROXY
from helpers.http import TEXT_ML_ROUTE, ok, post

LIBRETRANSLATE = f"{PROXY}{TEXT_ML_ROUTE}/libretranslate"
DEEPL = f"{PROXY}{TEXT_ML_ROUTE}/deepl"
TEXT = "It was the best of times, it was the worst of times."
NEXT = "It was the age of wisdom, it was the age of foolishness."
PAGE = (
    '<h1 class="title">A Tale of Two Cities</h1>\n'
    '<p>It was the <b>best</b> of times, <a href="https://example.org/?a=1&amp;b=2" title="x">it was the worst'
    "</a> of times.<br>It was the age of wisdom.</p>\n"
    '<p>Run <code>make run</code> to start. <span translate="no">Keep&nbsp;me &copy;</span> as I am.</p>\n'
    "<pre>  not   translated  </pre><script>var tag = '<b>';</script>"
)


def native(text: str, language: str = "de", **options) -> str:
    return ok("/translate", {"text": text, "language": language, "source": "en", **options})["translation"]


@pytest.fixture(scope="module")
def libretranslate(cluster) -> LibreTranslateAPI:
    return LibreTranslateAPI(LIBRETRANSLATE)


@pytest.fixture(scope="module")
def translator(cluster) -> deepl.Translator:
    return deepl.Translator("any-key", server_url=f"{DEEPL}/", send_platform_info=False)


def test_libretranslate_client_translates_as_textml_does(libretranslate):
    assert libretranslate.translate(TEXT, "en", "de") == native(TEXT)
    languages = {entry["code"]: entry for entry in libretranslate.languages()}
    assert {"de", "fr", "ro"} <= set(languages["en"]["targets"])
    assert languages["en"]["name"] == "English"
    [best, *_] = libretranslate.detect("Das ist ein kleines Haus am See, und wir wohnen dort seit vielen Jahren.")
    assert best["language"] == "de" and 50 < best["confidence"] <= 100


def test_libretranslate_lists_auto_html_and_json(cluster):
    """A list of texts, `auto` (the models translate from English only: detected as such), JSON bodies."""
    answer = requests.post(
        f"{LIBRETRANSLATE}/translate", json={"q": [TEXT, NEXT], "source": "auto", "target": "de", "alternatives": 2}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["translatedText"] == [native(TEXT), native(NEXT)]
    assert [found["language"] for found in answer.json()["detectedLanguage"]] == ["en", "en"]
    assert answer.json()["alternatives"] == [[], []]
    html = requests.post(
        f"{LIBRETRANSLATE}/translate", data={"q": PAGE, "source": "en", "target": "fr", "format": "html"}
    )
    assert html.status_code == 200, html.text
    assert html.json()["translatedText"] == native(PAGE, "fr", format="html")
    settings = requests.get(f"{LIBRETRANSLATE}/frontend/settings").json()
    assert settings["keyRequired"] is False and settings["charLimit"] > 0


@pytest.mark.parametrize(
    "body, status, named",
    [
        ({"source": "en", "target": "de"}, 400, "q: Field required"),
        ({"q": TEXT, "source": "en", "target": "no such language"}, 400, "target: unknown language"),
        ({"q": TEXT, "source": "en", "target": "ja"}, 400, "no model translates en-ja"),
        ({"q": "x" * 100_001, "source": "en", "target": "de"}, 400, "the limit is 100,000"),
        ({"q": "<p>x", "source": "en", "target": "de", "format": "rtf"}, 400, "format"),
    ],
)
def test_libretranslate_refusals_in_its_words(cluster, body, status, named):
    answer = requests.post(f"{LIBRETRANSLATE}/translate", data=body)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["error"]
    without_file = requests.post(f"{LIBRETRANSLATE}/translate_file", data=body)
    assert without_file.status_code == 400 and "file" in without_file.json()["error"]


def test_deepl_client_translates_as_textml_does(translator):
    results = translator.translate_text([TEXT, NEXT], target_lang="DE", source_lang="EN")
    assert [result.text for result in results] == [native(TEXT), native(NEXT)]
    assert [result.detected_source_lang for result in results] == ["EN", "EN"]
    [detected] = translator.translate_text([TEXT], target_lang="FR", formality="prefer_more")
    assert detected.text == native(TEXT, "fr") and detected.detected_source_lang == "EN"
    assert {language.code for language in translator.get_source_languages()} == {"EN"}
    targets = {language.code for language in translator.get_target_languages()}
    assert {"DE", "FR", "RO"} <= targets
    before = translator.get_usage().character.count
    translator.translate_text(TEXT, target_lang="DE")
    usage = translator.get_usage()
    assert usage.character.count == before + len(TEXT) and not usage.any_limit_reached
    # The server URL without its last slash: the client's paths replace "deepl", and are answered the same.
    without_slash = deepl.Translator("any-key", server_url=DEEPL, send_platform_info=False)
    assert without_slash.translate_text(TEXT, target_lang="DE").text == native(TEXT)


def test_deepl_markup_keeps_every_tag(translator):
    [html] = translator.translate_text([PAGE], target_lang="DE", tag_handling="html")
    assert html.text == native(PAGE, format="html")
    source, translated = lxml.html.fragment_fromstring(PAGE, "div"), lxml.html.fragment_fromstring(html.text, "div")
    assert [(e.tag, dict(e.attrib)) for e in source.iter()] == [(e.tag, dict(e.attrib)) for e in translated.iter()]
    for untouched in ("code", "pre", "script"):
        assert translated.find(f".//{untouched}").text == source.find(f".//{untouched}").text
    assert translated.find(".//span").text == "Keep\xa0me ©"
    assert '<span translate="no">Keep&nbsp;me &copy;</span>' in html.text
    # The heading is a block of its own: its text is the plain translation of its text.
    assert translated.find("h1").text == native("A Tale of Two Cities")
    xml = "<doc><title>A Tale of Two Cities</title><para>It was the <em>best</em> of times.</para><x>keep</x></doc>"
    [result] = translator.translate_text([xml], target_lang="DE", tag_handling="xml", ignore_tags=["x"])
    tree = etree.fromstring(result.text)
    assert [element.tag for element in tree.iter()] == ["doc", "title", "para", "em", "x"]
    assert tree.find("title").text == native("A Tale of Two Cities") and tree.find("x").text == "keep"
    assert "".join(tree.find("para").itertext()) == native("It was the best of times.")


def test_deepl_refusals_in_its_words(translator):
    with pytest.raises(deepl.DeepLException, match="formality 'more' is not supported"):
        translator.translate_text(TEXT, target_lang="DE", formality="more")
    with pytest.raises(deepl.DeepLException, match="glossaries are not served"):
        translator.translate_text(TEXT, source_lang="EN", target_lang="DE", glossary="0123-not-a-glossary")
    with pytest.raises(deepl.DeepLException, match="no model translates en-ja"):
        translator.translate_text(TEXT, target_lang="JA")
    answer = requests.post(
        f"{DEEPL}/v2/translate", data={"text": ["<p>x</b></q>"], "target_lang": "DE", "tag_handling": "xml"}
    )
    assert answer.status_code == 400 and "not well-formed XML" in answer.json()["message"]
    answer = requests.post(f"{DEEPL}/v2/translate", json={"text": ["x" * 100_001], "target_lang": "DE"})
    assert answer.status_code == 413 and "the limit is 100,000" in answer.json()["message"]
    answer = requests.post(f"{DEEPL}/v2/translate", json={"target_lang": "DE"})
    assert answer.status_code == 400 and "text: Field required" in answer.json()["message"]
    answer = requests.post(f"{DEEPL}/v2/document", data={"target_lang": "DE"})
    assert answer.status_code == 400 and "file" in answer.json()["message"]


def test_native_html_format(cluster):
    """The native API takes HTML too; a bad format is refused by name."""
    batch = ok(
        "/translate/batch", {"texts": [PAGE, "<p>It was <i>the</i> best.</p>"], "language": "de", "format": "html"}
    )
    assert batch["translations"][0] == native(PAGE, format="html")
    assert batch["segments"] == [[], []]
    refused = post(f"{TEXT_ML_ROUTE}/translate", {"text": TEXT, "format": "docx"})
    assert refused.status_code == 422 and "format" in refused.json()["error"]
