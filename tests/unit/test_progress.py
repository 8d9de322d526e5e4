"""Progress of `textml translate` and `textml summarize` on stderr: a bar or a spinner on a terminal, a line
every few seconds otherwise, and stdout left to the answer alone (it may be piped)."""

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rich.console import Console

from textml.cli import progress
from textml.cli.main import main
from textml.cli.progress import Lines, characters, duration, waiting


class Clock:
    """A clock the test sets: seconds since the work began."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_say_done_of_total_the_rate_and_the_time_left():
    clock, stream = Clock(), io.StringIO()
    lines = Lines("translating", 20_000, stream=stream, clock=clock)
    clock.now = 5
    lines.write()
    clock.now = 25
    lines.advance(12_000)
    lines.write()
    clock.now = 41
    lines.advance(8_000)
    lines.write(finished=True)
    assert stream.getvalue().splitlines() == [
        "translating: 0/20,000 characters (0%), 5 s elapsed",
        "translating: 12,000/20,000 characters (60%), 480 characters/s, about 17 s left",
        "translating: 20,000/20,000 characters (100%), 488 characters/s, done in 41 s",
    ]


def test_lines_for_a_request_without_progress_say_the_time_elapsed():
    clock, stream = Clock(), io.StringIO()
    lines = Lines("summarizing 105,447 characters", stream=stream, clock=clock)
    for clock.now in (5, 30, 95):
        lines.write()
    clock.now = 101.4
    lines.write(finished=True)
    assert stream.getvalue().splitlines() == [
        "summarizing 105,447 characters: 5 s elapsed",
        "summarizing 105,447 characters: 30 s elapsed",
        "summarizing 105,447 characters: 1 min 35 s elapsed",
        "summarizing 105,447 characters: done in 1 min 41 s",
    ]


@pytest.mark.parametrize(
    "seconds, shown", [(0.4, "0 s"), (17, "17 s"), (59.6, "1 min"), (125, "2 min 5 s"), (3725, "1 h 2 min")]
)
def test_durations_read_as_seconds_minutes_or_hours(seconds, shown):
    assert duration(seconds) == shown


def test_lines_come_every_few_seconds_and_once_more_at_the_end():
    stream = io.StringIO()
    with Lines("translating", 100, stream=stream, every_s=0.02).periodically() as lines:
        time.sleep(0.15)
        lines.advance(100)
    written = stream.getvalue().splitlines()
    assert len(written) >= 3 and written[0].startswith("translating: 0/100 characters (0%), ")
    assert written[-1].startswith("translating: 100/100 characters (100%), ") and "done in" in written[-1]


def test_short_work_and_failed_work_end_without_a_last_line():
    stream = io.StringIO()
    with Lines("translating", 100, stream=stream).periodically() as lines:
        lines.advance(100)
    assert stream.getvalue() == ""  # done within EVERY_S: nothing to say
    with pytest.raises(ConnectionError), Lines("translating", 100, stream=stream, every_s=0.01).periodically():
        time.sleep(0.05)
        raise ConnectionError("refused")
    assert stream.getvalue() and "done in" not in stream.getvalue()


def test_on_a_terminal_a_bar_on_stderr_and_stdout_untouched(capsys):
    terminal = io.StringIO()
    console = Console(file=terminal, force_terminal=True, width=120)
    with characters(20_000, "translating", console=console) as advance:
        advance(12_000)
        print("inside the block")  # rich would move this onto its console (stderr) if it redirected stdout
    with waiting("summarizing 105,447 characters", console=console):
        pass
    assert capsys.readouterr().out == "inside the block\n"
    assert "translating" in terminal.getvalue() and "summarizing 105,447 characters" in terminal.getvalue()


def test_off_a_terminal_lines_on_the_consoles_file():
    stream, clock = io.StringIO(), Clock()
    console = Console(file=stream, force_terminal=False)
    with characters(20_000, "translating", console=console, clock=clock, every_s=0.01) as advance:
        clock.now = 25
        advance(12_000)
        time.sleep(0.05)
        clock.now = 41
        advance(8_000)
    written = stream.getvalue().splitlines()
    assert "translating: 12,000/20,000 characters (60%), 480 characters/s, about 17 s left" in written
    assert written[-1] == "translating: 20,000/20,000 characters (100%), 488 characters/s, done in 41 s"


class SlowEcho(BaseHTTPRequestHandler):
    """text_ml_app's /translate and /summarize, slowly: the text upper-cased, and its first 20 characters."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(0.1)
        if self.path.endswith("/translate"):
            text = body["text"]
            segment = {"source": text, "translation": text.upper(), "start": 0, "end": len(text)}
            answer = {
                "translation": text.upper(),
                "language": "german",
                "source": "en",
                "pivot": None,
                "segments": [segment],
            }
        else:
            answer = {"summary": body["text"][:20], "chunks": 1, "levels": 1}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/summarize_translate"
    server.shutdown()


def test_translate_and_summarize_file_report_progress_on_stderr_and_the_answer_alone_on_stdout(
    service, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(progress, "EVERY_S", 0.03)
    text = "\n\n".join(f"Paragraph {n}: " + " ".join(["It was the best of times."] * 230) for n in range(9))
    document = tmp_path / "document.txt"
    document.write_text(text)
    assert main(["translate", "--file", str(document), "--url", service]) == 0
    out, err = capsys.readouterr()
    assert out == text.upper() + "\n"
    lines = err.splitlines()
    assert lines and all(line.startswith("translating: ") and f"/{len(text):,} characters (" in line for line in lines)
    assert lines[-1].startswith(f"translating: {len(text):,}/{len(text):,} characters (100%), ")
    assert lines[-1].endswith(" s") and "characters/s, done in " in lines[-1]

    assert main(["summarize", "--file", str(document), "--url", service]) == 0
    out, err = capsys.readouterr()
    assert out == text[:20] + "\n"
    assert err.splitlines()[-1].startswith(f"summarizing {len(text):,} characters: done in ")
