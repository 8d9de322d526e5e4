"""What a request may carry: one place for every limit the service enforces."""

# A text for the typed routes, in characters after stripping whitespace.
MAX_TEXT_CHARS = 20_000
# A batch request is answered in one piece: this bounds how long it holds a slot.
MAX_BATCH_TEXTS = 32
# Summaries longer than this are refused rather than decoded for seconds.
MAX_SUMMARY_TOKENS = 256
# Bodies larger than this are refused by their size, before they are parsed or reach a model; batch
# requests (paths ending in /batch) may carry more.
MAX_BODY_BYTES = 64 * 1024
MAX_BATCH_BODY_BYTES = 1024 * 1024


def body_limit(path: str) -> int:
    """The body size a request to `path` may have."""
    return MAX_BATCH_BODY_BYTES if path.rstrip("/").endswith("/batch") else MAX_BODY_BYTES
