"""What a row of a corpus is for `textml batch`: lines read as rows, what is wrong with a row named, the key a
rerun recognizes a row by, and INPUT's files sorted by kind."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from textml.batch.files import InputError, corpus
from textml.batch.rows import key_of, line_of, parsed, text_of

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


def test_a_line_of_json_is_its_row_and_a_line_of_text_its_text():
    assert parsed('{"text": "hi", "n": 1}', "json") == ({"text": "hi", "n": 1}, None)
    assert parsed('{"text": "hi"', "text") == ({"text": '{"text": "hi"'}, None)


@pytest.mark.parametrize(
    ("line", "why"), [("nope", "not JSON"), ("[1, 2]", "not an object (a list)"), ('"text"', "(a str)")]
)
def test_a_line_that_is_no_row_is_kept_with_why(line, why):
    row, problem = parsed(line, "json")
    assert row == {"input_line": line}
    assert why in problem


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ({"id": 1}, "no 'text' field"),
        ({"text": 3}, "is a int, not a string"),
        ({"text": None}, "is a NoneType"),
        ({"text": " \n"}, "is empty"),
        ({"text": "x", "error": "mine"}, "a field 'error', which textml batch writes"),
    ],
)
def test_what_is_wrong_with_a_row_is_named(row, why):
    text, problem = text_of(row, "text")
    assert text is None and why in problem


def test_the_text_field_is_chosen():
    assert text_of({"body": "hello"}, "body") == ("hello", None)


@given(st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6))
def test_a_row_is_known_by_its_own_fields_after_a_round_trip_with_its_answer(row):
    row = {name: value for name, value in row.items() if name not in ("translation", "segments", "error")}
    written = json.loads(line_of({**row, "translation": "x", "source_language": "en", "error": None}))
    assert key_of(written) == key_of(row)
    assert key_of({**row, "another": 1}) != key_of(row)


def test_values_json_lacks_are_written_as_strings():
    import datetime

    assert json.loads(line_of({"when": datetime.date(2024, 1, 2), "text": "ü"})) == {"when": "2024-01-02", "text": "ü"}
    assert "ü" in line_of({"text": "ü"})  # as it is, not \\u escaped


def test_input_files_are_sorted_by_kind_and_others_refused(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x\n")
    (tmp_path / "sub" / "c.parquet").write_bytes(b"")
    (tmp_path / ".hidden").write_text("")
    (tmp_path / "_SUCCESS").write_text("")
    found = corpus(str(tmp_path))
    assert sorted(map(lambda p: p.rsplit("/", 1)[1], found.json_or_text)) == ["a.jsonl", "b.txt"]
    assert [p.rsplit("/", 1)[1] for p in found.parquet] == ["c.parquet"]
    (tmp_path / "notes.docx").write_text("")
    with pytest.raises(InputError, match="notes.docx is not a corpus file"):
        corpus(str(tmp_path))


def test_an_input_that_is_not_there_or_empty_is_named(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        corpus(str(tmp_path / "missing.jsonl"))
    with pytest.raises(InputError, match="holds no files"):
        corpus(str(tmp_path))
