"""Every language pair the configured models serve: OPUS-MT (Marian) pairs, a multilingual NLLB checkpoint for
the rest, a BART summarizer; many models per Translator replica, loaded when first asked for; a pair no model
serves reached through English; the source detected; the pairs changed in place.

Every answer is compared with the checkpoint run directly with CTranslate2 (greedy, float32), its tokenizer
used as the family's model card says (tests/helpers/ct2_reference.py), not through textml's code.
"""

import concurrent.futures

import pytest
import requests
import yaml

from helpers.cluster import DASHBOARD, PROXY, run
from helpers.config import TEXT_ML, changed, with_translator
from helpers.ct2_reference import ct2_generate, nllb
from helpers.http import TEXT_ML_ROUTE, ok, post
from helpers.metrics import scrape, settled, total
from helpers.tiny_models import build_tiny
from textml.serve_config import deployment

ENGLISH = "It was the best of times, it was the worst of times."
GERMAN = "Das ist ein kleines Haus am See, und wir wohnen dort seit vielen Jahren."
SPANISH = "Mañana por la mañana vamos a la playa con nuestros amigos de la escuela."
FRENCH = "Nous avons passé une très belle soirée avec nos amis au bord de la rivière."


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("families")
    return {
        "en-de": str(build_tiny("marian", root / "opus-en-de", seed=11, pair=("en", "de"))),
        "de-en": str(build_tiny("marian", root / "opus-de-en", seed=12, pair=("de", "en"))),
        "en-fr": str(build_tiny("marian", root / "opus-en-fr", seed=13, pair=("en", "fr"))),
        "nllb": str(build_tiny("nllb", root / "nllb", seed=14)),
        "bart": str(build_tiny("bart", root / "distilbart", seed=15)),
    }


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("ct2-reference"))


def deployed(redeploy, base_config, **translator) -> dict:
    config = with_translator(base_config, **translator)
    redeploy(config)
    return config


def languages() -> list[dict]:
    response = requests.get(f"{PROXY}{TEXT_ML_ROUTE}/languages", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_each_pair_is_translated_by_its_model(cluster, base_config, redeploy, checkpoints, scratch):
    """A pair named in `models` (OPUS-MT en-de) wins over "*" (NLLB), which serves every other pair."""
    deployed(redeploy, base_config, models={"en-de": checkpoints["en-de"], "*": checkpoints["nllb"]}, language="de")
    answer = ok("/translate", {"text": ENGLISH, "source": "en"})
    assert answer["translation"] == ct2_generate(checkpoints["en-de"], scratch, ENGLISH)
    assert (answer["language"], answer["source"], answer["pivot"]) == ("german", "en", None)
    for source, target, text in (("en", "fr", ENGLISH), ("de", "es", GERMAN), ("fr", "de", FRENCH)):
        answer = ok("/translate", {"text": text, "source": source, "language": target})
        assert answer["translation"] == nllb(checkpoints["nllb"], scratch, text, source, target), (source, target)
    names = {"text": ENGLISH, "source": "English", "language": "FRENCH"}
    assert ok("/translate", names)["translation"] == nllb(checkpoints["nllb"], scratch, ENGLISH, "en", "fr")
    served = {entry["code"]: entry for entry in languages()}
    assert served["en"]["name"] == "English" and {"de", "fr", "es"} <= set(served["en"]["targets"])
    assert len(served) > 150, "NLLB-200's languages"


def test_a_pair_without_a_model_goes_through_english(cluster, base_config, redeploy, checkpoints, scratch):
    deployed(
        redeploy, base_config, models={"de-en": checkpoints["de-en"], "en-fr": checkpoints["en-fr"]}, language="fr"
    )
    answer = ok("/translate", {"text": GERMAN, "source": "de", "language": "fr"})
    english = ct2_generate(checkpoints["de-en"], scratch, GERMAN)
    assert answer["pivot"] == "en"
    assert answer["translation"] == ct2_generate(checkpoints["en-fr"], scratch, english)
    assert [segment["source"] for segment in answer["segments"]] == [GERMAN]
    batch = ok("/translate/batch", {"texts": [GERMAN, ENGLISH], "language": "fr"})
    assert (batch["sources"], batch["pivots"]) == (["de", "en"], ["en", None])
    assert languages() == [
        {"code": "de", "name": "German", "targets": ["en", "fr"]},
        {"code": "en", "name": "English", "targets": ["fr"]},
        {"code": "fr", "name": "French", "targets": []},
    ]
    refused = post(f"{TEXT_ML_ROUTE}/translate", {"text": FRENCH, "source": "fr", "language": "de"})
    assert refused.status_code == 422
    assert refused.json()["error"] == ("no model translates fr-de (French to German); the pairs served: de-en, en-fr")


def test_the_source_is_detected_and_a_language_no_model_reads_is_named(cluster, base_config, redeploy, checkpoints):
    deployed(
        redeploy, base_config, models={"de-en": checkpoints["de-en"], "en-fr": checkpoints["en-fr"]}, language="fr"
    )
    assert ok("/translate", {"text": GERMAN, "language": "en"})["source"] == "de"
    assert ok("/translate", {"text": ENGLISH, "source": "auto"})["source"] == "en"
    assert ok("/summarize-translate", {"text": GERMAN, "language": "en"})["source"] == "de"
    refused = post(f"{TEXT_ML_ROUTE}/translate", {"text": SPANISH, "language": "fr"})
    assert refused.status_code == 422
    message = refused.json()["error"]
    assert message.startswith("the text is in Spanish (es, detected with confidence"), message
    assert message.endswith("no model translates from es: the sources served are de, en"), message
    detected = ok("/detect", {"text": GERMAN})
    assert detected[0]["language"] == "de" and 0.5 < detected[0]["confidence"] <= 1
    assert [d["confidence"] for d in detected] == sorted((d["confidence"] for d in detected), reverse=True)


def test_a_bart_summarizer_feeds_the_translation(cluster, base_config, redeploy, checkpoints, scratch):
    config = changed(base_config, TEXT_ML, "Summarizer", user_config={"model": checkpoints["bart"]})
    config = with_translator(config, models={"en-de": checkpoints["en-de"]}, language="german")
    redeploy(config)
    user_config = deployment(config, TEXT_ML, "Summarizer")["user_config"]
    lengths = {key: user_config[key] for key in ("min_length", "max_length") if key in user_config}
    summary = ct2_generate(checkpoints["bart"], scratch, ENGLISH, target_token="<s>", no_repeat_ngram_size=3, **lengths)
    assert ok("/summarize", {"text": ENGLISH})["summary"] == summary
    both = ok("/summarize-translate", {"text": ENGLISH})
    assert both["summary"] == summary
    assert both["translation"] == ct2_generate(checkpoints["en-de"], scratch, summary)


def test_models_are_loaded_when_asked_for_and_the_least_recent_unloaded(
    cluster, base_config, redeploy, checkpoints, scratch
):
    """max_loaded_models 1: each switch of model unloads the other (Serve's multiplexing counts the loads),
    and requests that arrive while their model loads wait for it, none refused."""
    models = {"en-de": checkpoints["en-de"], "en-fr": checkpoints["en-fr"]}
    deployed(redeploy, base_config, models=models, language="de", max_loaded_models=1)
    loads = lambda: total(scrape(), "ray_serve_multiplexed_models_load_counter_total", deployment="Translator")  # noqa: E731
    before = settled(loads)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: ok("/translate", {"text": ENGLISH, "language": "fr"}), range(8)))
    assert {a["translation"] for a in answers} == {ct2_generate(checkpoints["en-fr"], scratch, ENGLISH)}
    assert ok("/translate", {"text": ENGLISH})["translation"] == ct2_generate(checkpoints["en-de"], scratch, ENGLISH)
    assert settled(loads) - before == 2, "en-fr loaded once for its 8 requests, then en-de again"
    assert settled(lambda: total(scrape(), "ray_serve_num_multiplexed_models", deployment="Translator")) == 1


def test_models_change_in_place(cluster, base_config, redeploy, checkpoints):
    config = deployed(redeploy, base_config, models={"en-de": checkpoints["en-de"]}, language="de")
    replicas = cluster.replicas(TEXT_ML, "Translator")
    assert ok("/translate", {"text": ENGLISH})["language"] == "german"
    redeploy(with_translator(config, models={"en-fr": checkpoints["en-fr"]}, language="fr"))
    assert cluster.replicas(TEXT_ML, "Translator") == replicas, "applied in place, no replica restarted"
    assert ok("/translate", {"text": ENGLISH})["language"] == "french"
    refused = post(f"{TEXT_ML_ROUTE}/translate", {"text": ENGLISH, "language": "de"})
    assert refused.status_code == 422
    assert refused.json()["error"] == "no model translates en-de (English to German); the pairs served: en-fr"


def test_a_summarizer_that_only_translates_is_refused_by_name(cluster, base_config, redeploy, checkpoints):

    cluster.submit(changed(base_config, TEXT_ML, "Summarizer", user_config={"model": checkpoints["en-de"]}))
    cluster.wait_for_status(TEXT_ML, "DEPLOY_FAILED")
    status = yaml.safe_load(run("serve", "status", "-a", DASHBOARD).stdout)["applications"][TEXT_ML]
    message = str(status["deployments"]["Summarizer"].get("message", ""))
    assert "a marian checkpoint does not do summarization" in message, status
    assert "name a T5 or BART checkpoint as Summarizer's model" in message, status
    # The redeploy fixture then deploys the committed config, which must answer again.
