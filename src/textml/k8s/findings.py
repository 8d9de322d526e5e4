"""A problem `textml k8s check` found: where it is, what it is, and the fix."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" fails the check; "warning" does not
    field: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.field}: {self.problem} -> {self.fix}"


def field_path(parts) -> str:
    """("spec", "workerGroupSpecs", 0, "replicas") -> "spec.workerGroupSpecs[0].replicas"."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"
