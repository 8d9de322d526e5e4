"""Finding and measuring processes of the cluster the tests started, by their command line."""

from pathlib import Path


def find_process(program: str, argument: str) -> tuple[int, list[str], dict]:
    """The pid, command line and environment of the `program` process that has `argument`."""
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().decode().split("\0")[:-1]
            if argv and Path(argv[0]).name == program and argument in argv:
                environ = (entry / "environ").read_bytes().decode().split("\0")
                return int(entry.name), argv, dict(v.split("=", 1) for v in environ if "=" in v)
        except (OSError, ValueError):
            continue
    raise AssertionError(f"no {program} process with {argument}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")
