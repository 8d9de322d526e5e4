"""Failures textml raises itself; transport/errors.py says how each one is answered."""


class EngineFailure(RuntimeError):
    """The engine failed on valid input: this replica is broken, not the request."""
