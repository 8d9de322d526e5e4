"""Chunks for summarizing a long text: consecutive sentences packed into pieces that fit the model's input
window, each summarized on its own (the first level); the joined summaries are chunked and summarized again
until they fit one window."""

from textml.documents.segmentation import Span


def packed(spans: list[Span], sizes: list[int], limit: int) -> list[list[Span]]:
    """Consecutive `spans` grouped so the `sizes` (tokens) of each group add up to at most `limit`; a span
    larger than `limit` on its own is a group of its own (split it first: documents/fitting.py)."""
    chunks: list[list[Span]] = []
    total = 0
    for span, size in zip(spans, sizes, strict=True):
        if chunks and total + size <= limit:
            chunks[-1].append(span)
            total += size
        else:
            chunks.append([span])
            total = size
    return chunks
