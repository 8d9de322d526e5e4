"""The README's examples are found as the README test (tests/cluster/test_first_ten_minutes.py) runs them, and
what each comment promises is checked as it says: a README edit can't drop an example from the test, or make
the test pass on any output."""

from helpers.readme import README, as_promised, python_examples, service_examples, shell_examples

TEXT = README.read_text()


def test_every_service_example_is_found_with_its_promise():
    assert [e.expected for e in service_examples(TEXT)] == [
        "the summary, translated into French (text/plain)",
        '{"translation":"...","language":"german","source":"en","pivot":null,"segments":[...]}',
        "6",
        '"15 pizzas please!"',
        "",
        "",
        '{"translatedText":"<p>Es war die <b>beste</b> ...</p>"}',
        "the job: its id, status and progress (JSON)",
        "the translated file's path (Markdown, as the source), after a progress bar; a .docx takes the same command",
        '{"translation":"...","language":"french","source":"de","pivot":"en","segments":[...]}'
        "   (with the models above)",
    ]
    first = service_examples(TEXT)[0].code
    assert first.count("\n") == 1 and first.endswith("it was the epoch of belief\"'"), "continuation lines joined"


def test_the_python_example_is_found_with_one_promise_per_print():
    [example] = python_examples(TEXT)
    assert example.code.startswith("import requests") and example.expected.splitlines() == [
        "the translated summary",
        "6",
        "15 pizzas please!",
    ]


def test_the_offline_path_and_the_kubernetes_commands_are_examples_too():
    commands = [e.code for e in shell_examples(TEXT)]
    assert "make run MODEL=models/t5-random" in commands
    assert any(c.startswith(".venv/bin/textml model random models/t5-random") for c in commands)
    assert any(c.startswith(".venv/bin/textml k8s plan build/running.yaml build/changed.yaml") for c in commands)


def test_promises_are_kept_only_by_what_they_say():
    assert as_promised("6", "6") is None and as_promised("7", "6")
    assert as_promised('"15 pizzas please!"', '"15 pizzas please!"') is None
    assert as_promised("15 pizzas please!", "15 pizzas please!") is None
    assert as_promised("kaso tori", "the translated summary") is None and as_promised("", "the translated summary")
    shape = '{"translation":"...","language":"german","segments":[...]}'
    assert as_promised('{"translation": "x", "language": "german", "segments": []}', shape) is None
    assert as_promised('{"translation": "x", "language": "german"}', shape)
    assert as_promised("Internal Server Error", shape)
