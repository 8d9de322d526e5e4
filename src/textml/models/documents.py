"""Documents through a model: every sentence of a text translated as its own job, and a text longer than the
model's input window summarized chunk by chunk. The model is a ModelUse: a deployment's batch queue in a
replica, the engine itself in `textml batch`."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textml.documents.chunking import packed
from textml.documents.segmentation import Span, joined, plain
from textml.engines.families import SUMMARIZATION, translation_task
from textml.languages.catalog import Step
from textml.models.engine_calls import ModelUse

# Summaries of summaries, at most this deep: intermediate summaries are capped at an eighth of the input
# window, so each level shrinks a text about fourfold, and 100,000 characters (about 30,000 tokens) fit one
# 512-token window by the fifth level.
MAX_LEVELS = 6
INTERMEDIATE_SHARE = 8


@dataclass(frozen=True)
class Translated:
    translation: str  # the pieces' translations, joined with the text's own paragraph breaks
    pieces: list[tuple[Span, str]]  # (span, translation): span.of(text) is the piece translated


@dataclass(frozen=True)
class Summarized:
    summary: str
    chunks: int  # how many chunks the text was summarized in at the first level (1: whole)
    levels: int  # how many rounds of summarizing it took (1: the text fit the input window)


async def translate_texts(model: ModelUse, task: str, texts: list[str]) -> list[Translated]:
    """Each text translated sentence by sentence; the sentences of all the texts share batches."""
    pieces = [await model.pieces(task, text) for text in texts]
    sources = [plain(piece.of(text)) for text, spans in zip(texts, pieces, strict=True) for piece in spans]
    translations = iter(await model.run_tasks(task, sources))
    results = []
    for text, spans in zip(texts, pieces, strict=True):
        parts = [next(translations) for _ in spans]
        results.append(Translated(joined(text, spans, parts), list(zip(spans, parts, strict=True))))
    return results


async def translate_through(
    steps: tuple[Step, ...], texts: list[str], model_for: Callable[[str], Awaitable[ModelUse]]
) -> list[Translated]:
    """Each text translated through `steps` (one model, or two through English: catalog.route), piece by piece;
    `model_for` gives the model of a checkpoint."""
    first, *rest = steps
    model = await model_for(first.checkpoint)
    results = await translate_texts(model, translation_task(first.source, first.target), texts)
    for step in rest:
        model = await model_for(step.checkpoint)
        task = translation_task(step.source, step.target)
        # The second leg: every piece's translation translated once more, the pieces of all the texts in one call.
        again = iter(await translate_texts(model, task, [part for result in results for _, part in result.pieces]))
        results = [
            again_joined(text, result, [next(again).translation for _ in result.pieces])
            for text, result in zip(texts, results, strict=True)
        ]
    return results


def again_joined(text: str, result: Translated, parts: list[str]) -> Translated:
    """`result` (of `text`) with its pieces' translations replaced by `parts`."""
    spans = [span for span, _ in result.pieces]
    return Translated(joined(text, spans, parts), list(zip(spans, parts, strict=True)))


async def chunks(model: ModelUse, text: str) -> list[str]:
    """`text` as consecutive pieces of whole sentences, each fitting the input window with the summarization
    prefix (a sentence too long for one window on its own has been split: documents/fitting.py)."""
    engine = model.engine
    prefix = engine.task(SUMMARIZATION).prefix
    pieces = await model.pieces(SUMMARIZATION, text)
    # Each piece's own end token is not in a chunk; the prefix and one end token are.
    sizes = [count - 1 for count in engine.count_tokens([plain(p.of(text)) for p in pieces])]
    limit = engine.input_window - engine.count_tokens([prefix])[0]
    groups = packed(pieces, sizes, limit)
    result = []
    while groups:
        group = groups.pop(0)
        chunk = plain(text[group[0].start : group[-1].end])
        # Tokens of a join are not always the sum of the parts': halve a group that came out too long.
        if len(group) > 1 and engine.count_tokens([prefix + chunk])[0] > engine.input_window:
            groups[:0] = [group[: len(group) // 2], group[len(group) // 2 :]]
            continue
        result.append(chunk)
    return result


async def summarize_text(model: ModelUse, text: str, **lengths) -> Summarized:
    """The summary of the whole text, with the request's `lengths` (min_length, max_length: None for the
    configured ones) applied to the final summary."""
    cap = max(2, model.engine.input_window // INTERMEDIATE_SHARE)
    intermediate = min(model.decoding(SUMMARIZATION, {}).get("max_length") or cap, cap)
    first_level = None
    for level in range(1, MAX_LEVELS + 1):
        pieces = await chunks(model, text)
        first_level = first_level or len(pieces)
        if len(pieces) == 1:
            [summary] = await model.run_tasks(SUMMARIZATION, pieces, **lengths)
            return Summarized(summary, chunks=first_level, levels=level)
        text = " ".join(await model.run_tasks(SUMMARIZATION, pieces, max_length=intermediate))
    raise RuntimeError(f"the summaries did not fit one input window after {MAX_LEVELS} levels")


async def summarize_texts(model: ModelUse, texts: list[str], **lengths) -> list[Summarized]:
    """Each text summarized: those that fit one input window in one call, so a model called directly batches them
    (textml batch); the longer ones chunk by chunk, concurrently (summarize_text)."""
    first_chunks = [await chunks(model, text) for text in texts]
    whole = [index for index, pieces in enumerate(first_chunks) if len(pieces) == 1]
    longer = [index for index, pieces in enumerate(first_chunks) if len(pieces) > 1]
    results: list[Summarized | None] = [None] * len(texts)
    summaries = await model.run_tasks(SUMMARIZATION, [first_chunks[index][0] for index in whole], **lengths)
    for index, summary in zip(whole, summaries, strict=True):
        results[index] = Summarized(summary, chunks=1, levels=1)
    summarized = await asyncio.gather(*(summarize_text(model, texts[index], **lengths) for index in longer))
    for index, result in zip(longer, summarized, strict=True):
        results[index] = result
    return results
