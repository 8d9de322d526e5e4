"""Language codes and names: a language is asked for by name ("German", "deutsch") or by code ("de", "DE",
"deu", "de-AT"), in any case, and always answered as its ISO 639-1 code (ISO 639-3 where it has none) and its
English name, by langcodes, the library that knows the IANA registry and CLDR's names."""

from functools import lru_cache

import langcodes

# What `source` may be instead of a language: the service finds it (languages/detection.py).
AUTO = "auto"
# The language a translation goes through where no model serves a pair directly (as Argos does).
PIVOT = "en"


class UnknownLanguage(ValueError):
    """A name or code that is no language."""


@lru_cache(maxsize=4096)
def language_code(value: str) -> str:
    """'German', 'german', 'Deutsch', 'DE', 'deu' and 'de-AT' -> 'de'; an UnknownLanguage naming `value`
    otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    language = None
    if langcodes.tag_is_valid(text.replace("_", "-")):
        language = langcodes.Language.get(text.replace("_", "-")).language
    if not language:
        try:
            language = langcodes.find(text).language
        except LookupError:
            language = None
    if not language or not langcodes.Language.get(language).is_valid():
        raise UnknownLanguage(f"unknown language {value!r}: give an ISO 639-1 code (e.g. 'de') or a name ('German')")
    return language


@lru_cache(maxsize=4096)
def language_name(code: str) -> str:
    """'de' -> 'German'."""
    return langcodes.Language.get(code).display_name()


def default_script(code: str) -> str:
    """The script a language is written in unless said otherwise: 'zh' -> 'Hans', 'sr' -> 'Cyrl'."""
    return langcodes.Language.get(code).maximize().script or ""


def pair_key(source: str, target: str) -> str:
    return f"{source}-{target}"
