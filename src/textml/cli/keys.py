"""`textml keys create`, `list` and `revoke`: the API keys in a keys file (textml.access.keys). A new key is
printed once, alone on the last line of stdout, so `KEY=$(textml keys create NAME)` takes it; the file keeps only
its hash, and nothing prints one again."""

import argparse
from datetime import UTC, datetime
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from textml.access import keys

NAME_HELP = f"the key's name, unique in the file: {keys.NAME_RULE}"


def positive_int(text: str) -> int:
    """argparse's type for a limit: a whole number above 0 (leaving the option out means unlimited)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive: leave the option out for no limit")
    return value


def keys_file(file: str | None) -> Path:
    """The keys file: --file, else $TEXTML_API_KEYS_FILE."""
    if file:
        return Path(file).expanduser()
    path = keys.default_path()
    if path is None:
        raise ValueError(f"which keys file? give --file PATH, or set ${keys.ENV}")
    return path


def limit(value: int | None) -> str:
    return "unlimited" if value is None else f"{value:,}"


def minute(created: str) -> str:
    """'2025-01-01T12:00:00+00:00' as '2025-01-01 12:00' (UTC), short enough for the table; as written if odd."""
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        return created
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M")


def create(
    path: Path,
    name: str,
    requests_per_minute: int | None,
    characters_per_minute: int | None,
    stderr: Console,
) -> int:
    key = keys.create(path, name, requests_per_minute, characters_per_minute)
    limits = f"{limit(requests_per_minute)} requests and {limit(characters_per_minute)} characters a minute"
    stderr.print(
        f"the key {name!r} below is shown this once, keep it now: {path} holds only its hash. Limits: {limits}",
        markup=False,
    )
    print(key)  # alone on the last line of stdout
    return 0


def list_keys(path: Path, console: Console) -> int:
    found = keys.load(path)
    if not found.entries:
        console.print(f"{path} holds no keys: `textml keys create NAME --file {path}` makes one", markup=False)
        return 0
    # Narrow enough for 80 columns (a pipe, CI); a long name folds onto a second line, never cut.
    table = Table(title=Text(str(path)), title_justify="left", box=box.SIMPLE)
    table.add_column("name", overflow="fold")
    for column in ("requests/min", "characters/min", "created (UTC)", "sha256"):
        table.add_column(column, no_wrap=True)
    for entry in found.entries:
        table.add_row(
            entry.name,
            limit(entry.requests_per_minute),
            limit(entry.characters_per_minute),
            minute(entry.created),
            entry.short_hash + "…",
        )
    console.print(table)
    return 0


def revoke(path: Path, name: str, console: Console) -> int:
    keys.revoke(path, name)
    console.print(f"revoked {name!r}: its hash is gone from {path}", markup=False)
    return 0
