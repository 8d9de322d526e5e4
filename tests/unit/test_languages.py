"""Language codes and names, which checkpoint serves which pair (the catalog, pivots through English), and
what each family is told for a task."""

import pytest
from transformers import T5Config

from textml.engines.families import T5, LanguageTokens, TaskNotServed, task_pair, translation_task
from textml.exceptions import NotServed
from textml.languages.catalog import Catalog, Step
from textml.languages.codes import UnknownLanguage, language_code, language_name


@pytest.mark.parametrize(
    "given, code",
    [
        ("German", "de"),
        ("german", "de"),
        ("GERMAN", "de"),
        ("Deutsch", "de"),
        ("de", "de"),
        ("DE", "de"),
        ("deu", "de"),
        ("de-AT", "de"),
        ("pt_BR", "pt"),
        ("chinese", "zh"),
        ("nb", "nb"),
        (" fr ", "fr"),
    ],
)
def test_a_language_is_a_name_or_a_code_in_any_case(given, code):
    assert language_code(given) == code


@pytest.mark.parametrize("given", ["xx", "", "gibberish", "12"])
def test_what_is_no_language_is_named(given):
    with pytest.raises(UnknownLanguage, match=f"unknown language {given!r}"):
        language_code(given)


def test_names_are_english():
    assert [language_name(code) for code in ("de", "fr", "ro", "zh")] == ["German", "French", "Romanian", "Chinese"]


def pairs_of(known: dict):
    return lambda checkpoint: known[checkpoint]


NLLB = {(s, t) for s in ("en", "de", "fr", "es") for t in ("en", "de", "fr", "es") if s != t}
KNOWN = pairs_of({"/opus-en-de": None, "/opus-de-en": None, "/opus-en-fr": None, "/nllb": NLLB, "/t5": {("en", "de")}})


def test_a_named_pair_wins_over_any_pair():
    catalog = Catalog.build({"en-de": "/opus-en-de", "*": "/nllb"}, KNOWN)
    assert catalog.route("en", "de") == (Step("en", "de", "/opus-en-de"),)
    assert catalog.route("de", "es") == (Step("de", "es", "/nllb"),)
    assert catalog.checkpoints() == {"/opus-en-de", "/nllb"}


def test_a_pair_without_a_model_goes_through_english():
    catalog = Catalog.build({"de-en": "/opus-de-en", "en-fr": "/opus-en-fr"}, KNOWN)
    assert catalog.route("de", "fr") == (Step("de", "en", "/opus-de-en"), Step("en", "fr", "/opus-en-fr"))
    with pytest.raises(NotServed) as refused:
        catalog.route("fr", "de")
    assert str(refused.value) == "no model translates fr-de (French to German); the pairs served: de-en, en-fr"
    assert catalog.languages() == [
        {"code": "de", "name": "German", "targets": ["en", "fr"]},
        {"code": "en", "name": "English", "targets": ["fr"]},
        {"code": "fr", "name": "French", "targets": []},
    ]
    assert catalog.sources() == ["de", "en"]


def test_a_long_list_of_pairs_is_cut_short_in_a_refusal():
    six = ("en", "de", "fr", "es", "it", "nl")
    catalog = Catalog.build({"*": "/m2m"}, pairs_of({"/m2m": {(s, t) for s in six for t in six if s != t}}))
    with pytest.raises(NotServed, match=r"the pairs served: de-en, .* and 10 more \(GET /languages lists them\)"):
        catalog.route("en", "tlh")


def test_a_configuration_that_cannot_be_served_is_refused_by_name():
    with pytest.raises(NotServed, match=r"models\['\*'\] is /opus-en-de, which translates one pair only"):
        Catalog.build({"*": "/opus-en-de"}, KNOWN)
    with pytest.raises(NotServed, match=r"models\['en-fr'\] is /t5, which does not translate en-fr"):
        Catalog.build({"en-fr": "/t5"}, KNOWN)


def test_task_names_carry_the_pair():
    assert translation_task("en", "de") == "translation_en_to_de"
    assert task_pair("translation_de_to_fr") == ("de", "fr")
    assert task_pair("summarization") is None


def test_multilingual_checkpoints_name_languages_by_their_tokens():
    """NLLB's tokens name a script too: a language's usual one is taken; M2M100's name only the language."""
    tokens = LanguageTokens._language_tokens(["</s>", "zho_Hant", "zho_Hans", "deu_Latn", "srp_Cyrl", "__fr__"])
    assert tokens == {"zh": "zho_Hans", "de": "deu_Latn", "sr": "srp_Cyrl", "fr": "__fr__"}


def test_t5_knows_the_pairs_its_config_names_and_prefixes_them():
    config = T5Config(task_specific_params={"translation_en_to_de": {"prefix": "translate English to German: "}})
    t5 = T5(config, tokenizer=None)
    assert t5.pairs() == {("en", "de")}
    assert t5.task("translation_en_to_de").prefix == "translate English to German: "
    assert t5.task("translation_en_to_es").prefix == "translate English to Spanish: "
    assert T5(T5Config(), tokenizer=None).pairs() == {("en", "fr"), ("en", "de"), ("en", "ro")}
    assert t5.task("summarization").prefix == "summarize: "


def test_a_summarizer_does_not_translate():
    from transformers import BartConfig

    from textml.engines.families import family_of

    with pytest.raises(TaskNotServed, match="a bart checkpoint does not do translation_en_to_de"):
        family_of(BartConfig(), tokenizer=None).task("translation_en_to_de")
