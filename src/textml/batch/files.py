"""A corpus's files in, Ray Data's files out, on a local disk or an object store (pyarrow's file systems).

INPUT is a file or a directory of them: JSON Lines (.jsonl, .json), Parquet (.parquet) or text (.txt, a row per
line). OUTPUT is a directory of JSON Lines files, one per block Ray Data writes; each run adds its own files.
"""

import logging
import posixpath
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.fs
import ray.data
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink

from textml.batch.rows import key_of, line_of, parsed

logger = logging.getLogger(__name__)

KINDS = {".jsonl": "json", ".json": "json", ".txt": "text", ".parquet": "parquet"}
# Reading and writing files take little CPU beside the engines, and must not wait for CPUs the actors hold all of.
IO_CPUS = 0


class InputError(ValueError):
    """An INPUT or OUTPUT that can't be read or written, named."""


@dataclass(frozen=True)
class Corpus:
    json_or_text: list[str]  # read line by line
    parquet: list[str]

    def __len__(self) -> int:
        return len(self.json_or_text) + len(self.parquet)


def kind_of(path: str) -> str | None:
    return next((kind for suffix, kind in KINDS.items() if path.lower().endswith(suffix)), None)


def filesystem_of(path: str) -> tuple[pyarrow.fs.FileSystem, str]:
    """The file system of a path or URI (s3://, gs://, a local path) and the path within it."""
    try:
        return pyarrow.fs.FileSystem.from_uri(path)
    except (pa.ArrowInvalid, ValueError):  # a relative local path
        return pyarrow.fs.LocalFileSystem(), posixpath.abspath(path)


def files_under(path: str) -> list[pyarrow.fs.FileInfo]:
    """The files at `path`: itself, or every file under it (hidden ones and Ray's own _-prefixed left out)."""
    fs, where = filesystem_of(path)
    info = fs.get_file_info(where)
    if info.type == pyarrow.fs.FileType.NotFound:
        raise InputError(f"{path} does not exist")
    if info.type == pyarrow.fs.FileType.File:
        return [info]
    found = fs.get_file_info(pyarrow.fs.FileSelector(where, recursive=True))
    return [f for f in found if f.type == pyarrow.fs.FileType.File and not f.base_name.startswith((".", "_"))]


def uri_of(path: str, info: pyarrow.fs.FileInfo) -> str:
    """A file found under `path`, named as Ray Data reads it (with the URI's scheme, if `path` has one)."""
    scheme = path.split("://", 1)[0] + "://" if "://" in path else ""
    return scheme + info.path


def corpus(path: str) -> Corpus:
    """INPUT's files by how they are read; InputError naming a file of another kind, or no files at all."""
    files = [uri_of(path, info) for info in files_under(path)]
    if not files:
        raise InputError(f"{path} holds no files")
    unknown = [f for f in files if kind_of(f) is None]
    if unknown:
        raise InputError(
            f"{unknown[0]} is not a corpus file: INPUT holds JSON Lines (.jsonl, .json), Parquet (.parquet) or "
            f"text (.txt) files" + (f" ({len(unknown)} such files)" if len(unknown) > 1 else "")
        )
    return Corpus([f for f in files if kind_of(f) != "parquet"], [f for f in files if kind_of(f) == "parquet"])


def lines_of_parquet(batch: pa.Table) -> dict:
    rows = batch.to_pylist()
    return {"line": [line_of(row) for row in rows], "kind": ["json"] * len(rows)}


def lines_of_files(batch: pa.Table) -> dict:
    kinds = [kind_of(path) for path in batch.column("path").to_pylist()]
    return {"line": batch.column("text"), "kind": kinds}


def read_lines(found: Corpus) -> ray.data.Dataset:
    """The corpus as rows {"line": one row's JSON or text, "kind": "json" | "text"} (rows.parsed reads them)."""
    parts = []
    if found.json_or_text:
        text = ray.data.read_text(found.json_or_text, include_paths=True, num_cpus=IO_CPUS)
        parts.append(text.map_batches(lines_of_files, batch_format="pyarrow", num_cpus=IO_CPUS))
    if found.parquet:
        table = ray.data.read_parquet(found.parquet, num_cpus=IO_CPUS)
        parts.append(table.map_batches(lines_of_parquet, batch_format="pyarrow", num_cpus=IO_CPUS))
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


class JsonLinesDatasink(BlockBasedFileDatasink):
    """Blocks of {"line": a row's JSON} written as JSON Lines files, the lines as they are."""

    def __init__(self, path: str):
        super().__init__(path, file_format="jsonl")

    def write_block_to_file(self, block: BlockAccessor, file: pa.NativeFile):
        lines = block.to_arrow().column("line").to_pylist()
        file.write(("\n".join(lines) + "\n").encode())


def done_keys(output: str) -> set[str]:
    """The keys (rows.key_of) of the rows OUTPUT already holds; none when it doesn't exist yet. A line that is
    not JSON (a file cut short when a run was stopped) is left out, so its row is done again."""
    fs, where = filesystem_of(output)
    if fs.get_file_info(where).type == pyarrow.fs.FileType.NotFound:
        return set()
    files = [uri_of(output, info) for info in files_under(output) if info.path.endswith(".jsonl")]
    if not files:
        return set()

    def keys(batch: pa.Table) -> dict:
        found = []
        for line in batch.column("text").to_pylist():
            row, problem = parsed(line, "json")
            if problem is None:
                found.append(key_of(row))
        return {"key": found}

    lines = ray.data.read_text(files, num_cpus=IO_CPUS)
    return {row["key"] for row in lines.map_batches(keys, batch_format="pyarrow", num_cpus=IO_CPUS).iter_rows()}
