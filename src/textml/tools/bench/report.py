"""The benchmark's report: benchmarks/results.md (tables and ratios, also printed) and
benchmarks/throughput.png (throughput and p99 latency against concurrency, one row per workload)."""

from pathlib import Path

from textml.tools.bench.raw import EngineRow
from textml.tools.load import Outcomes


def engine_table(rows: list[EngineRow]) -> list[str]:
    lines = [
        "| (a) raw engine, in process | workload | batch | seconds per batch | requests/s |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {r.workload} | {r.batch} | {r.seconds:.3f} | {r.per_second:.2f} |" for r in rows]
    return lines


def load_table(results: list[Outcomes]) -> list[str]:
    lines = [
        "| system | clients | requests | failed | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.label} | {r.clients} | {r.requests} | {r.failed} | {r.throughput:.2f} | {r.percentile(50):.0f} | "
        f"{r.percentile(95):.0f} | {r.percentile(99):.0f} |"
        for r in results
    ]
    return lines


def write(out: Path, sections: list[tuple[str, list[str]]], results: list[Outcomes], titles: dict[str, str]):
    text = "\n".join(f"## {title}\n\n" + "\n".join(lines) + "\n" for title, lines in sections if lines)
    (out / "results.md").write_text(text)
    print(text)
    plot(out / "throughput.png", results, titles)


def plot(path: Path, results: list[Outcomes], titles: dict[str, str]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = [w for w in titles if any(r.label.startswith(f"[{w}]") for r in results)]
    if not workloads:
        return
    figure, axes = plt.subplots(len(workloads), 2, figsize=(11, 3.6 * len(workloads)), squeeze=False)
    for (throughput, p99), workload in zip(axes, workloads, strict=True):
        mine = [r for r in results if r.label.startswith(f"[{workload}]")]
        for system in dict.fromkeys(r.label for r in mine):
            rows = [r for r in mine if r.label == system]
            name = system.split("] ", 1)[1]
            throughput.plot([r.clients for r in rows], [r.throughput for r in rows], marker="o", label=name)
            p99.plot([r.clients for r in rows], [r.percentile(99) for r in rows], marker="o", label=name)
        for axis, label in ((throughput, "requests / s"), (p99, "p99 latency, ms")):
            axis.set_xscale("log", base=2)
            axis.set_xlabel("concurrent clients")
            axis.set_ylabel(label)
            axis.grid(True, alpha=0.3)
        throughput.set_title(titles[workload], fontsize=9)
        throughput.legend(fontsize=7)
    figure.suptitle("t5-small architecture, random weights, one machine, one run")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
