"""Language detection (languages/detection.py): short sentences in many languages, best first, ISO 639-1
codes, restriction to candidates, texts with no letters, and the detector shared by threads."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from textml.languages.detection import detect, languages

SENTENCES = [
    ("The weather is lovely today, so we are going for a walk.", "en"),
    ("Das ist ein kleines Haus am See.", "de"),
    ("Je voudrais un café et un croissant, s'il vous plaît.", "fr"),
    ("¿Dónde está la estación de tren más cercana?", "es"),
    ("Oggi andiamo al mercato a comprare la frutta.", "it"),
    ("Eu gosto muito de ler livros à noite.", "pt"),
    ("Het regent vandaag en ik blijf thuis.", "nl"),
    ("Сегодня мы идём в театр с друзьями.", "ru"),
    ("Dzisiaj idziemy do kina z przyjaciółmi.", "pl"),
    ("今日はとても良い天気ですね。", "ja"),
    ("我们明天早上去北京。", "zh"),
    ("오늘 날씨가 정말 좋네요.", "ko"),
    ("Bugün hava çok güzel, parka gidelim.", "tr"),
    ("Η θάλασσα είναι πολύ ζεστή σήμερα.", "el"),
]
ISO_639_1 = re.compile(r"^[a-z]{2}$")


@pytest.mark.parametrize("text, language", SENTENCES, ids=[language for _, language in SENTENCES])
def test_short_sentences(text, language):
    found = detect(text)
    assert found[0][0] == language, found
    assert found[0][1] > 0.5


def test_best_first_iso_codes_and_confidences():
    for text, _ in SENTENCES:
        found = detect(text, limit=5)
        assert 1 <= len(found) <= 5
        confidences = [confidence for _, confidence in found]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0 < confidence <= 1 and round(confidence, 3) == confidence for confidence in confidences)
        assert sum(confidences) <= 1
        assert all(ISO_639_1.match(code) for code, _ in found)
        assert len({code for code, _ in found}) == len(found)
    assert len(detect(SENTENCES[0][0], limit=1)) == 1
    assert all(ISO_639_1.match(code) for code in languages())
    assert {"en", "de", "fr", "zh", "ja", "ar"} <= languages()


def test_an_individual_language_is_answered_as_its_macrolanguage():
    # Cantonese (yue to the detector) is Chinese: zh in ISO 639-1.
    found = detect("我哋今日去飲茶，你嚟唔嚟呀？")
    assert found[0][0] == "zh"


def test_candidates_restrict_the_languages():
    text = "Das ist ein kleines Haus am See."
    assert detect(text, candidates="de") == [("de", 1.0)]
    found = detect(text, candidates=["fr", "DE", "it"])
    assert found[0][0] == "de"
    assert {code for code, _ in found} <= {"fr", "de", "it"}
    # Restricted, the confidences are shared among the candidates only.
    found = detect("Eu gosto muito de ler livros à noite.", candidates={"es", "it"}, limit=5)
    assert {code for code, _ in found} <= {"es", "it"}
    assert sum(confidence for _, confidence in found) == pytest.approx(1, abs=0.002)
    # Unknown codes are ignored; none known is no answer.
    assert detect(text, candidates=["de", "xx"])[0][0] == "de"
    assert detect(text, candidates=["xx"]) == []
    assert detect(text, candidates=[]) == []
    # The full detector is untouched by restricted ones.
    assert detect("Je voudrais un café et un croissant, s'il vous plaît.")[0][0] == "fr"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "12345 678", "3.14 + 2 = 5.14", "!!! ??? ...", "🙂🙂"])
def test_no_letters_no_language(text):
    assert detect(text) == []
    assert detect(text, candidates=["en", "de"]) == []


@pytest.mark.parametrize("text", ["ok", "x"])
def test_nothing_the_model_knows_no_language(text):
    # Every language equally likely: no answer rather than an arbitrary one.
    assert detect(text) == []
    assert detect(text, candidates=["en", "de"]) == []
    assert detect(text, candidates=["de"]) == []


def test_too_short_to_tell_is_a_low_confidence():
    found = detect("Danke")
    assert found and found[0][1] < 0.2


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        detect("Hello there, how are you?", limit=0)


def test_threads_share_the_detector():
    cases = [(text, None) for text, _ in SENTENCES] + [(text, ("en", "de", "fr")) for text, _ in SENTENCES]
    expected = [detect(text, candidates) for text, candidates in cases]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(5):
            assert list(pool.map(lambda case: detect(*case), cases)) == expected
