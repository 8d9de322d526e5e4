"""Failures textml raises itself; transport/errors.py says how each one is answered."""


class EngineFailure(RuntimeError):
    """The engine failed on valid input: this replica is broken, not the request."""


class DeadlineExceeded(TimeoutError):
    """The request's own deadline (X-Request-Timeout-S) passed before its answer was ready."""

    def __init__(self, seconds: float):
        super().__init__(f"the request's deadline of {seconds:g} s (X-Request-Timeout-S) passed before its answer")
        self.seconds = seconds


class ModelLoadError(RuntimeError):
    """A model that cannot be loaded, said in one line: which model, why, and what to do. Serve shows it as the
    deployment's error; `textml up` and `textml run` print it as it is."""

    def __init__(self, model: str, why: str, fix: str):
        # All three in args, so the error pickles whole across Ray's processes.
        super().__init__(model, why, fix)

    @property
    def model(self) -> str:
        return self.args[0]

    def __str__(self) -> str:
        model, why, fix = self.args
        return f"cannot load model {model!r}: {why}. Fix: {fix}"


class NotServed(ValueError):
    """A language or language pair that no configured model translates (422, naming it and what is served)."""
