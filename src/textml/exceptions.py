"""Failures textml raises itself; transport/errors.py says how each one is answered."""


class EngineFailure(RuntimeError):
    """The engine failed on valid input: this replica is broken, not the request."""


class DeadlineExceeded(TimeoutError):
    """The request's own deadline (X-Request-Timeout-S) passed before its answer was ready."""

    def __init__(self, seconds: float):
        super().__init__(f"the request's deadline of {seconds:g} s (X-Request-Timeout-S) passed before its answer")
        self.seconds = seconds
