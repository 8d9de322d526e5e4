"""`textml batch` on the session's Ray cluster (RAY_ADDRESS), as a user runs it: a corpus of JSON Lines, text and
Parquet files in, every row back once with its own fields as given and the answer the service gives for the
same text (the same engine code and checkpoint); rows that can't be answered with an error, the rest answered;
a rerun skips what is done and does what is not."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from helpers.cluster import GCS_PORT, HOST, run
from helpers.http import ok
from helpers.prose import document
from helpers.reference import translated as reference_translation
from textml.batch.rows import key_of, parsed

ROWS = [
    {"id": 1, "text": "It was the best of times.", "when": "2024-01-01 10:00:00", "meta": {"tags": ["a", 1]}},
    {"id": 2, "text": "It was the worst of times.", "when": 1704103200, "meta": "plain"},
    {"id": 3, "text": "Zoë's café — naïve façade, 東京.", "score": 0.5},
    {"id": 4, "text": document(4_000)},  # many sentences: translated whole, with its segments
    {"id": 5, "text": "It was the best of times."},  # the same text in another row
]
BROKEN = [
    ("not json at all", "not JSON"),
    ('["a", "list"]', "not an object"),
    ('{"id": 6}', "no 'text' field"),
    ('{"id": 7, "text": 42}', "not a string"),
    ('{"id": 8, "text": "   "}', "empty"),
    ('{"id": 9, "text": "hello", "translation": "a reference"}', "'translation'"),
]
LINES = ["It was the age of wisdom.", "It was the age of foolishness."]
PARQUET = [{"id": 10, "text": "We had everything before us."}, {"id": 11, "text": "We had nothing before us."}]


def batch(*arguments: str, check: bool = True):
    return run(
        "textml",
        "batch",
        *arguments,
        "--actors",
        "2",
        "--cpus-per-actor",
        "0.5",
        env={"RAY_ADDRESS": f"{HOST}:{GCS_PORT}"},
        timeout=600,
        check=check,
    )


def output_rows(output: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(output.glob("*.jsonl")) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, base_config) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    (root / "config.yaml").write_text(yaml.safe_dump(base_config))
    data = root / "in"
    (data / "more").mkdir(parents=True)
    (data / "rows.jsonl").write_text("\n".join([*map(json.dumps, ROWS), *(line for line, _ in BROKEN)]) + "\n")
    (data / "more" / "lines.txt").write_text("\n".join(LINES) + "\n")
    pq.write_table(pa.Table.from_pylist(PARQUET), data / "more" / "rows.parquet")
    return root


@pytest.fixture(scope="module")
def translated(cluster, corpus) -> tuple[Path, list[dict], str]:
    output = corpus / "out"
    result = batch(
        "translate", str(corpus / "in"), str(output), "--language", "german", "--config", str(corpus / "config.yaml")
    )
    # Ray may print its workers' warnings on the same stdout, after the summary.
    summary = [line for line in result.stdout.splitlines() if line.startswith("translated ")]
    return output, output_rows(output), summary[-1] if summary else result.stdout


def by_id(rows: list[dict]) -> dict:
    return {row["id"]: row for row in rows if "id" in row}


def test_every_row_comes_back_once_with_its_own_fields(translated):
    _, rows, summary = translated
    assert len(rows) == len(ROWS) + len(BROKEN) + len(LINES) + len(PARQUET)
    for given in ROWS + PARQUET:
        row = by_id(rows)[given["id"]]
        assert {name: row[name] for name in given} == given  # the date string stays a string, nested stays nested
    assert sorted(row["text"] for row in rows if set(row) >= {"text", "translation"} and "id" not in row) == sorted(
        LINES
    )
    assert summary.startswith(f"translated {len(ROWS) + len(LINES) + len(PARQUET)} rows, {len(BROKEN)} with an error")


def test_answers_are_the_services_for_the_same_text(translated, base_config, tiny_models):
    _, rows, _ = translated
    one = by_id(rows)[1]
    assert one["translation"] == reference_translation(base_config, tiny_models[0], one["text"], "de")
    for row in [r for r in rows if "translation" in r and "error" not in r]:
        service = ok("/translate", {"text": row["text"], "language": "german"})
        assert row["translation"] == service["translation"], row["text"][:60]
        assert row["source_language"] == "en"
    long_row = by_id(rows)[4]
    segments = long_row["segments"]
    assert len(segments) > 10
    assert all(long_row["text"][s["start"] : s["end"]] == s["source"] for s in segments)
    assert "segments" not in by_id(rows)[1]  # one sentence: its translation says it all


def test_a_row_that_cannot_be_answered_says_why_and_stops_nothing(translated):
    _, rows, _ = translated
    errors = {key_of(row): row["error"] for row in rows if "error" in row}
    assert len(errors) == len(BROKEN)
    for line, why in BROKEN:
        row, _ = parsed(line, "json")
        assert why in errors[key_of(row)], (line, errors[key_of(row)])
    assert by_id(rows)[9]["translation"] == "a reference"  # the row's own field, as given


def test_a_rerun_skips_the_rows_done_and_does_the_rest(translated, corpus):
    output, rows, _ = translated
    # A run stopped part way: some rows never written. The rerun writes those, and only those.
    [written] = list(output.glob("*.jsonl"))
    lines = written.read_text().splitlines()
    kept, lost = lines[:-4], lines[-4:]
    written.write_text("\n".join(kept) + "\n")
    config = str(corpus / "config.yaml")
    again = batch("translate", str(corpus / "in"), str(output), "--language", "german", "--config", config)
    errors = sum("error" in json.loads(line) for line in lost)
    assert f"translated {4 - errors} rows, {errors} with an error, {len(kept)} skipped" in again.stdout
    after = output_rows(output)
    assert sorted(map(json.dumps, after)) == sorted(map(json.dumps, rows))


def test_summaries_of_short_and_long_texts_are_the_services(cluster, corpus):
    texts = ["It was the best of times, it was the worst of times.", document(12_000)]
    data = corpus / "summaries.jsonl"
    data.write_text("".join(json.dumps({"n": n, "text": text}) + "\n" for n, text in enumerate(texts)))
    output = corpus / "summaries"
    batch("summarize", str(data), str(output), "--config", str(corpus / "config.yaml"))
    rows = sorted(output_rows(output), key=lambda row: row["n"])
    assert [row["text"] for row in rows] == texts
    for row in rows:
        service = ok("/summarize", {"text": row["text"]})
        assert (row["summary"], row["chunks"], row["levels"]) == (
            service["summary"],
            service["chunks"],
            service["levels"],
        )
    assert rows[1]["chunks"] > 1


def test_a_language_no_model_serves_is_refused_before_any_work(cluster, corpus):
    result = batch(
        "translate",
        str(corpus / "in"),
        str(corpus / "never"),
        "--language",
        "japanese",
        "--config",
        str(corpus / "config.yaml"),
        check=False,
    )
    assert result.returncode != 0
    assert "ja" in result.stderr and not (corpus / "never").exists()
