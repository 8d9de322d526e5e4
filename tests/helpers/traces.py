"""Stack traces in what a client gets back: an error body must never carry one."""

# What a Python traceback, or Ray's rendering of a remote one (RayTaskError), shows.
MARKERS = ("Traceback (most recent call last)", 'File "', "raise ", '.py", line')


def leaked(shown: str, sent: str = "") -> list[str]:
    """The trace markers in `shown`, leaving out any that merely echo the client's own input `sent`
    (a refusal quotes the value it refused)."""
    return [marker for marker in MARKERS if marker in shown and marker not in sent]
