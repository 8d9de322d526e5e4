"""Where the CPU goes under load: each process's CPU time (user + system, from /proc) over a load run,
per request answered: Serve's proxy, controller and replicas, Ray's own processes and the load generator."""

import os
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def processes() -> dict[str, int]:
    """name -> pid of Ray's processes on this machine: Serve's proxy, controller and replicas by their process
    titles (ray::ServeReplica:APP:DEPLOYMENT...), raylet, gcs_server and the dashboard."""
    found, counts = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        first = argv[0].decode(errors="replace")
        if first.startswith("ray::"):
            name = first[5:].split(".", 1)[0].split(" ", 1)[0].removeprefix("ServeReplica:")
        elif Path(first).name in ("raylet", "gcs_server"):
            name = Path(first).name
        elif any(b"dashboard/dashboard.py" in a for a in argv[:3]):
            name = "dashboard"
        else:
            continue
        counts[name] = counts.get(name, 0) + 1
        found[name if counts[name] == 1 else f"{name} #{counts[name]}"] = int(entry.name)
    return found


@dataclass
class Budget:
    pids: dict[str, int]
    start: dict[str, float]

    @classmethod
    def begin(cls) -> "Budget":
        pids = {**processes(), "load generator": os.getpid()}
        return cls(pids, {name: cpu_seconds(pid) for name, pid in pids.items()})

    def end(self, requests: int, seconds: float) -> list[str]:
        """A table row per process: CPU ms per request and share of one core."""
        rows = ["| process | CPU ms per request | cores busy |", "|---|---|---|"]
        total = 0.0
        for name, pid in self.pids.items():
            try:
                used = cpu_seconds(pid) - self.start[name]
            except OSError:
                continue
            total += used
            if used / seconds >= 0.01:
                rows.append(f"| {name} | {used * 1000 / max(requests, 1):.1f} | {used / seconds:.2f} |")
        rows.append(f"| all of them | {total * 1000 / max(requests, 1):.1f} | {total / seconds:.2f} |")
        return rows
