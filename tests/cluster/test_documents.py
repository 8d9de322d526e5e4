"""Documents of any length on text_ml_app: every sentence translated, in order, with offsets that cover the
text; paragraph breaks kept; a long text summarized from several chunks, the whole of it; a document too long
refused by name; a short request not held behind a long document."""

import threading
import time

from helpers.config import with_translator
from helpers.http import TEXT_ML_ROUTE, ok, post
from helpers.prose import document
from helpers.reference import translated
from textml.limits import MAX_TEXT_CHARS

SENTENCES = [
    ["It was the best of times.", "It was the worst of times."],
    ["We had everything before us.", "We had nothing before us."],
    ["It was the age of wisdom."],
]


def test_every_sentence_is_translated_with_its_paragraph_breaks(cluster, base_config, tiny_models):
    text = "\n\n".join(" ".join(paragraph) for paragraph in SENTENCES)
    answer = ok("/translate", {"text": text, "language": "german"})
    each = {s: translated(base_config, tiny_models[0], s, "de") for paragraph in SENTENCES for s in paragraph}
    assert [(s["source"], s["translation"]) for s in answer["segments"]] == list(each.items())
    assert answer["translation"] == "\n\n".join(" ".join(each[s] for s in paragraph) for paragraph in SENTENCES)


def test_segments_of_real_prose_cover_it_and_match_sentences_sent_alone(cluster):
    text = "  " + document(6_000) + "\n"
    segments = ok("/translate", {"text": text})["segments"]
    assert all(text[s["start"] : s["end"]] == s["source"] for s in segments)
    edges = [0, *[edge for s in segments for edge in (s["start"], s["end"])], len(text)]
    assert edges == sorted(edges)
    assert all(not text[a:b].strip() for a, b in zip(edges[::2], edges[1::2], strict=True)), "a gap holds text"
    # Hard-wrapped sentences come back whole, not cut at line ends.
    assert any("\n" in s["source"] for s in segments)
    for segment in segments[:: max(1, len(segments) // 4)]:
        alone = ok("/translate", {"text": segment["source"]})["segments"]
        assert [s["translation"] for s in alone] == [segment["translation"]]


def test_a_long_text_is_summarized_whole_from_chunks(cluster):
    text = document(3_000)
    first = ok("/summarize", {"text": text, "max_length": 6})
    assert first["chunks"] > 1 and first["levels"] >= 2, first
    assert ok("/summarize", {"text": text, "max_length": 6}) == first
    # Its end counts: change only the last paragraph, and the summary changes.
    changed = text[: text.rindex("\n\n")] + "\n\nWe had everything before us, we had nothing before us."
    assert ok("/summarize", {"text": changed, "max_length": 6})["summary"] != first["summary"]


def test_a_text_over_the_limit_is_refused_by_name(cluster):
    response = post(f"{TEXT_ML_ROUTE}/summarize-translate", {"text": "It was the best of times. " * 4_000})
    assert response.status_code == 413
    assert response.json()["error"] == f"text: is 104,000 characters long; the limit is {MAX_TEXT_CHARS:,}"


def test_a_short_request_is_not_held_behind_a_long_document(cluster, base_config, redeploy):
    """One job per batch, and longer translations, so the document's thousand-odd pieces take seconds: a sentence
    sent while they are being decoded is answered first (it waits behind one batch of the document's, not all)."""
    redeploy(with_translator(base_config, max_batch_size=1, min_length=48, max_length=48))
    long_text = document(MAX_TEXT_CHARS)
    finished = {}

    def translate(name: str, text: str):
        response = post(f"{TEXT_ML_ROUTE}/translate", {"text": text}, timeout=300)
        assert response.status_code == 200, response.text
        finished[name] = time.monotonic()

    long_request = threading.Thread(target=translate, args=("document", long_text))
    long_request.start()
    time.sleep(2)  # segmented, and being decoded
    translate("sentence", "It was the best of times.")
    long_request.join()
    assert set(finished) == {"document", "sentence"}
    assert finished["sentence"] < finished["document"] - 1, finished
