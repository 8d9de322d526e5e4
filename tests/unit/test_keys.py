"""API keys (textml.access.keys, `textml keys`): a key is printed once, alone on stdout's last line, and the
file keeps only its hash (mode 0600); only that key is found, and not once revoked; names are checked; a broken
file is refused naming the problem; the watcher picks up a change after its interval and keeps the last good
keys when the file turns bad; `find` compares every stored hash, whichever matches."""

import hmac
import logging
import os
import stat

import pytest

from textml.access import keys
from textml.access.keys import KeyEntry, Keys, KeysFileError, KeysFileWatcher
from textml.cli.main import main


def create(path, name: str, *options: str, capsys) -> str:
    """`textml keys create NAME --file PATH`: its stdout's last line, checked to be the key alone."""
    assert main(["keys", "create", name, "--file", str(path), *options]) == 0
    out = capsys.readouterr().out
    key = out.splitlines()[-1]
    assert out.endswith(key + "\n") and key.startswith("tml_") and " " not in key, out
    return key


def refused(argv: list[str], capsys, code: int = 1) -> str:
    """The one line a refused command prints."""
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("textml: "), err
    return err


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_created_key_is_printed_once_and_only_its_hash_is_kept(tmp_path, capsys):
    path = tmp_path / "config" / "keys.yaml"  # its folder is made too
    key = create(path, "reports", "--requests-per-minute", "60", capsys=capsys)
    text = path.read_text()
    assert key not in text and key[4:] not in text
    assert keys.digest(key) in text and text.startswith("# ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["keys.yaml"]  # no temporary file left

    found = keys.load(path).find(key)
    assert found == KeyEntry("reports", keys.digest(key), 60, None, found.created)
    assert found.created.endswith("+00:00")


def test_the_key_is_all_of_stdout_and_the_notice_names_the_file_and_limits(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    assert main(["keys", "create", "nightly", "--characters-per-minute", "200000", "--file", str(path)]) == 0
    out, err = capsys.readouterr()
    [key] = out.splitlines()
    assert keys.load(path).find(key).characters_per_minute == 200_000
    assert err.count("\n") == 1 and "shown this once" in err and str(path) in err
    assert "unlimited requests and 200,000 characters a minute" in err


def test_a_wrong_key_or_a_revoked_one_is_not_found(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    first = create(path, "first", capsys=capsys)
    second = create(path, "second", capsys=capsys)
    assert keys.load(path).names() == ("first", "second")
    for wrong in ("", "tml_", first[:-1], first + "x", first.upper(), keys.digest(first)):
        assert keys.load(path).find(wrong) is None, wrong

    assert main(["keys", "revoke", "first", "--file", str(path)]) == 0
    assert "revoked 'first'" in capsys.readouterr().out
    after = keys.load(path)
    assert after.find(first) is None and after.find(second).name == "second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    err = refused(["keys", "revoke", "first", "--file", str(path)], capsys)
    assert "no key named 'first'; its keys: second" in err


def test_list_shows_names_limits_and_a_hash_prefix_never_a_key(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    key = create(path, "reports", "--requests-per-minute", "60", capsys=capsys)
    assert main(["keys", "list", "--file", str(path)]) == 0
    out = capsys.readouterr().out
    [row] = [line for line in out.splitlines() if "reports" in line]
    assert row.split()[:3] == ["reports", "60", "unlimited"]
    assert keys.digest(key)[:8] in row and keys.digest(key)[:9] not in out
    assert key not in out and key[4:12] not in out


def test_repr_shows_only_the_start_of_the_hash(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    key = create(path, "reports", capsys=capsys)
    entry = keys.load(path).find(key)
    for shown in (repr(entry), str(entry), repr(keys.load(path))):
        assert entry.sha256[:8] in shown and entry.sha256[:9] not in shown, shown


def test_the_file_comes_from_the_environment_or_the_command_says_how(tmp_path, capsys, monkeypatch):
    path = tmp_path / "keys.yaml"
    monkeypatch.setenv(keys.ENV, str(path))
    key = create(path, "from-env", capsys=capsys)
    assert keys.default_path() == path and keys.load(path).find(key)

    monkeypatch.delenv(keys.ENV)
    assert keys.default_path() is None
    err = refused(["keys", "list"], capsys, code=2)
    assert "--file" in err and keys.ENV in err


def test_taken_and_bad_names_and_limits_are_refused(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    create(path, "reports", capsys=capsys)
    before = path.read_text()
    err = refused(["keys", "create", "reports", "--file", str(path)], capsys)
    assert "already has a key named 'reports'" in err
    for bad in ("-dash", ".dot", "a b", "a/b", "ä", "x" * 65, "trailing\n"):
        err = refused(["keys", "create", "--file", str(path), "--", bad], capsys)
        assert "is not a key name" in err, bad
    assert path.read_text() == before
    create(path, "A1._-" + "x" * 59, capsys=capsys)  # 64 characters: the longest name

    for limit in ("0", "-5", "1.5", "many"):
        with pytest.raises(SystemExit) as exited:  # argparse's own refusal, exit 2
            main(["keys", "create", "other", "--requests-per-minute", limit, "--file", str(path)])
        assert exited.value.code == 2
        assert "--requests-per-minute" in capsys.readouterr().err
    with pytest.raises(keys.KeysError, match="positive whole number"):
        keys.create(path, "other", requests_per_minute=0)


def test_a_missing_file_says_how_to_make_one(tmp_path, capsys):
    path = tmp_path / "nothing.yaml"
    with pytest.raises(KeysFileError, match="does not exist: make one with `textml keys create NAME --file "):
        keys.load(path)
    assert str(path) in refused(["keys", "list", "--file", str(path)], capsys)
    assert refused(["keys", "revoke", "x", "--file", str(path)], capsys)


ENTRY = "- name: a\n  sha256: " + "ab" * 32 + "\n  requests_per_minute: 1\n  characters_per_minute: null\n"
BROKEN = {
    "keys: [": "is not YAML",
    "": "is not a keys file",
    "- a\n": "is not a keys file",
    "keys: {}\n": "'keys' is not a list",
    "keys: []\nextra: 1\n": "unknown field extra",
    "keys:\n- just a name\n": "keys[0] is not a mapping",
    f"keys:\n{ENTRY}": "keys[0] has no created",
    f"keys:\n{ENTRY}  created: '2025-01-01'\n  note: x\n": "keys[0] has unknown field note",
    f"keys:\n{ENTRY.replace('name: a', 'name: -a')}  created: x\n": "'-a' is not a key name",
    f"keys:\n{ENTRY.replace('requests_per_minute: 1', 'requests_per_minute: -1')}  created: x\n": (
        "requests_per_minute is -1: give a positive whole number, or null for unlimited"
    ),
    f"keys:\n{ENTRY.replace('null', '0')}  created: x\n": "characters_per_minute is 0",
    f"keys:\n{ENTRY.replace('ab' * 32, 'tml_abc')}  created: x\n": "sha256 is not a SHA-256 hex digest",
    f"keys:\n{ENTRY}  created: x\n{ENTRY.replace('ab' * 32, 'cd' * 32)}  created: x\n": "two keys named 'a'",
    f"keys:\n{ENTRY}  created: x\n{ENTRY.replace('name: a', 'name: b')}  created: x\n": (
        "'b' has the same sha256 as 'a'"
    ),
}


@pytest.mark.parametrize("text", BROKEN)
def test_a_broken_file_is_refused_naming_the_file_and_the_problem(tmp_path, capsys, text):
    path = tmp_path / "keys.yaml"
    path.write_text(text)
    with pytest.raises(KeysFileError) as raised:
        keys.load(path)
    assert str(raised.value).startswith(str(path)) and BROKEN[text] in str(raised.value)
    err = refused(["keys", "list", "--file", str(path)], capsys)
    assert BROKEN[text] in err
    # Nothing is written over a broken file.
    assert refused(["keys", "create", "new", "--file", str(path)], capsys) and path.read_text() == text


def test_a_hand_written_file_loads(tmp_path):
    """An unquoted timestamp (YAML reads a datetime) and `keys:` with nothing under it are fine."""
    path = tmp_path / "keys.yaml"
    path.write_text("keys:\n")
    assert keys.load(path).entries == ()
    path.write_text(f"keys:\n{ENTRY}  created: 2025-01-01T12:00:00Z\n")
    assert keys.load(path).entries[0].created == "2025-01-01T12:00:00+00:00"


def test_find_compares_every_stored_hash_whichever_matches(tmp_path, capsys, monkeypatch):
    """What makes its time independent of where (or whether) a hash matches; no timing is measured."""
    path = tmp_path / "keys.yaml"
    made = [create(path, f"k{i}", capsys=capsys) for i in range(5)]
    found = keys.load(path)
    compared = []
    original = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append(b) or original(a, b))
    for key in (made[0], made[-1], "tml_wrong", made[0][:-1] + "?"):
        compared.clear()
        found.find(key)
        assert compared == [entry.sha256 for entry in found.entries], key


def write_keys(path, text: str, bump_ns: int):
    """The file rewritten in place (same inode), its mtime moved on, as a hand edit may leave it."""
    path.write_text(text)
    stamp = path.stat().st_mtime_ns + bump_ns
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def serve_log():
    """What textml logs to "ray.serve" (attached to it directly: Ray, once imported, stops propagation)."""
    records = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    logger = logging.getLogger("ray.serve")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_the_watcher_rereads_a_changed_file_after_its_interval_only(tmp_path, capsys, serve_log, monkeypatch):
    path = tmp_path / "keys.yaml"
    first = create(path, "first", capsys=capsys)
    clock = Clock()
    watcher = KeysFileWatcher(path, interval_s=5, clock=clock)
    assert watcher.current().names() == ("first",)

    second = create(path, "second", capsys=capsys)
    os.utime(path, ns=(path.stat().st_mtime_ns + 10**9,) * 2)
    checks = []
    signature = keys._signature
    monkeypatch.setattr(keys, "_signature", lambda path: checks.append(path) or signature(path))
    clock.now += 4.9
    assert watcher.current().find(second) is None and checks == []  # between checks: the keys read before
    clock.now += 0.1
    assert watcher.current().find(second).name == "second" and watcher.current().find(first)
    assert checks == [path]  # one stat, then none until the next interval

    # Edited in place (same inode and size: only the mtime differs): seen too.
    text = path.read_text()
    write_keys(path, text.replace("name: first", "name: fir5t"), 10**9)
    clock.now += 5
    assert watcher.current().names() == ("fir5t", "second")


def test_the_watcher_keeps_the_last_good_keys_when_the_file_turns_bad(tmp_path, capsys, serve_log):
    path = tmp_path / "keys.yaml"
    key = create(path, "first", capsys=capsys)
    clock = Clock()
    watcher = KeysFileWatcher(path, interval_s=5, clock=clock)
    good = path.read_text()

    write_keys(path, "keys: [", 10**9)
    clock.now += 5
    assert watcher.current().find(key).name == "first"
    [warning] = [r for r in serve_log if r.levelno == logging.WARNING]
    assert "keeping the 1 API keys read before" in warning.getMessage() and "is not YAML" in warning.getMessage()
    clock.now += 5
    watcher.current()
    assert len([r for r in serve_log if r.levelno == logging.WARNING]) == 1  # once per change, not per check

    path.unlink()
    clock.now += 5
    assert watcher.current().find(key) and "does not exist" in serve_log[-1].getMessage()

    path.write_text(good.replace("name: first", "name: again"))
    clock.now += 5
    assert watcher.current().find(key).name == "again"


def test_the_watcher_refuses_a_bad_file_at_start(tmp_path):
    with pytest.raises(KeysFileError, match="does not exist"):
        KeysFileWatcher(tmp_path / "keys.yaml")


def test_keys_is_a_frozen_view(tmp_path, capsys):
    path = tmp_path / "keys.yaml"
    create(path, "a", capsys=capsys)
    loaded = keys.load(path)
    assert isinstance(loaded, Keys) and isinstance(loaded.entries, tuple)
    with pytest.raises(AttributeError):
        loaded.entries = ()
    with pytest.raises(AttributeError):
        loaded.entries[0].requests_per_minute = 5
