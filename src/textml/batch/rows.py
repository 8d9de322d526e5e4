"""What a row of a corpus is and what comes back for it.

Rows travel through Ray Data as lines of JSON, not as Arrow columns: Arrow's JSON reader types a corpus's
fields by inference (an ISO date string becomes a timestamp, which comes back as epoch milliseconds) and fails
on a field whose type changes between rows. A row's own fields come back exactly as they were given.
"""

import hashlib
import json
from typing import Any

# What `textml batch` adds to a row; an input row may not have these fields.
TRANSLATE_FIELDS = ("translation", "source_language", "segments")
SUMMARIZE_FIELDS = ("summary", "chunks", "levels")
ERROR_FIELD = "error"
ADDED_FIELDS = frozenset({*TRANSLATE_FIELDS, *SUMMARIZE_FIELDS, ERROR_FIELD})
# The field a line that is not JSON comes back in, with an error.
UNREADABLE_FIELD = "input_line"


def parsed(line: str, kind: str) -> tuple[dict, str | None]:
    """The row a line of input stands for, and what is wrong with it (None: nothing). `kind`: "json" for a line
    of JSON Lines (a Parquet row arrives as one), "text" for a line of a text file (the row's text)."""
    if kind == "text":
        return {"text": line}, None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        return {UNREADABLE_FIELD: line}, f"the line is not JSON ({error})"
    if not isinstance(row, dict):
        return {UNREADABLE_FIELD: line}, f"the line is JSON but not an object (a {type(row).__name__})"
    return row, None


def text_of(row: dict, field: str) -> tuple[str | None, str | None]:
    """The row's text, or what is wrong with it."""
    clash = sorted(ADDED_FIELDS & row.keys())
    if clash:
        return None, f"the row has a field {clash[0]!r}, which textml batch writes: rename it"
    if field not in row:
        return None, f"the row has no {field!r} field"
    text = row[field]
    if not isinstance(text, str):
        return None, f"the row's {field!r} is a {type(text).__name__}, not a string"
    if not text.strip():
        return None, f"the row's {field!r} is empty"
    return text, None


def key_of(row: dict) -> str:
    """Which input row an input or output row is: a digest of its own fields (what textml batch added and
    fields without a value left out). A rerun skips the input rows whose key is already in the output, so two rows
    with the same fields are one: after a stop that wrote one of them, the rerun skips the other (give rows an id)."""
    own = {name: value for name, value in row.items() if name not in ADDED_FIELDS and value is not None}
    canonical = json.dumps(own, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def line_of(row: dict[str, Any]) -> str:
    """A row as one line of JSON (non-ASCII as it is; values JSON lacks, such as Parquet's dates, as strings)."""
    return json.dumps(row, ensure_ascii=False, default=str)
