"""The README's examples as a user copies them: each shell command (its continuation lines joined) with the
comment under it, and each Python block; and what a comment promises about the output."""

import json
import re
from dataclasses import dataclass

from helpers.paths import ROOT

README = ROOT / "README.md"


@dataclass(frozen=True)
class Example:
    code: str  # exactly as written in the README
    expected: str  # the comment under a command, or after a print(...): "" when there is none


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def shell_examples(text: str) -> list[Example]:
    """Every command of every ```sh block, with the comment lines right under it."""
    examples: list[Example] = []
    for block in blocks(text, "sh"):
        command: list[str] = []
        for line in block.splitlines():
            if command and command[-1].endswith("\\"):
                command.append(line)
            elif line.startswith("#") and examples and not command:
                last = examples[-1]
                examples[-1] = Example(last.code, f"{last.expected}\n{line[1:].strip()}".strip())
            elif line.strip() and not line.startswith("#"):
                command = [line]
            if command and not command[-1].endswith("\\"):
                examples.append(Example("\n".join(command), ""))
                command = []
    return examples


def service_examples(text: str) -> list[Example]:
    """The shell examples that call the running service: curl, and `textml translate`/`summarize`."""
    return [e for e in shell_examples(text) if re.search(r"^curl |bin/textml (translate|summarize)", e.code)]


def python_examples(text: str) -> list[Example]:
    """Each ```python block that calls the service over HTTP, with the comments of its print(...) lines, one
    per line printed."""
    return [
        Example(block, "\n".join(re.findall(r"^print\(.*#\s*(.*)$", block, flags=re.MULTILINE)))
        for block in blocks(text, "python")
        if "requests.post" in block
    ]


def as_promised(output: str, comment: str) -> str | None:
    """Why `output` is not what the README's comment says, or None. No comment, or one starting "the ",
    describes the output: it must not be empty (a real model's words, or random-weight gibberish). A comment
    with "..." shows its JSON shape: the same keys. Any other is the output itself (as JSON, or as text)."""
    output = output.strip()
    if not comment or comment.startswith("the "):
        return None if output else "no output"
    if "..." in comment:
        keys = set(re.findall(r'"(\w+)":', comment))
        try:
            got = set(json.loads(output))
        except (ValueError, TypeError):
            return f"not JSON: {output[:200]!r}"
        return None if got == keys else f"keys {sorted(got)}, the README shows {sorted(keys)}"
    try:
        same = json.loads(output) == json.loads(comment)
    except ValueError:
        same = output == comment or output.strip('"') == comment
    return None if same else f"{output[:200]!r}, the README says {comment!r}"
