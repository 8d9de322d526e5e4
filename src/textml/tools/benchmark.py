"""Throughput and latency of textml against a naive deployment and the raw engine, on one machine, in one run.

    make bench        # or: textml bench --seconds 15 --out benchmarks

(a) the raw engine: the same model, batched, in-process, no serving;
(b) a naive deployment: one request at a time through transformers, as the textbook Ray Serve app does;
(c) textml over HTTP through the Serve proxy, as deployed: /translate, and summarize -> translate.
Closed-loop load at 1, 4, 16 and 64 clients. The model has t5-small's exact architecture and generation
config with random weights, and every system decodes the same number of tokens with the same beam width.
"""

import argparse
import os
import statistics
import time
from pathlib import Path

from textml.tools.load import Outcomes, closed_loop

CLIENTS = (1, 4, 16, 64)
OUTPUT_TOKENS = 32
INPUT_TOKENS = 40
# Greedy, lengths pinned: Hugging Face's max_length counts the decoder start token.
DECODING = {"num_beams": 1, "min_length": OUTPUT_TOKENS + 1, "max_length": OUTPUT_TOKENS + 1}
PORT = 8300


def english_texts(tokenizer, count: int) -> list[str]:
    """Texts that make prompts of INPUT_TOKENS tokens (prefix and end token included)."""
    from textml.tools.random_t5 import pseudo_words

    words, texts, prefix = pseudo_words(50_000, seed=1), [], "translate English to French: "
    for start in range(0, count * 60, 60):
        chosen = words[start : start + 60]
        while len(tokenizer(prefix + " ".join(chosen)).input_ids) > INPUT_TOKENS:
            chosen.pop()
        texts.append(" ".join(chosen))
    return texts


def measure_engine(model: str, texts: list[str], engine: str, batch: int, threads: int, repeats: int) -> float:
    """Seconds per batch of `batch` prompts, median of `repeats`."""
    from textml.engines import load_engine

    loaded = load_engine(model, engine, threads)
    prompts = [loaded.task("translation_en_to_fr").prefix + text for text in texts[:batch]]
    loaded.generate(prompts, **DECODING)  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loaded.generate(prompts, **DECODING)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def naive_app(model: str):
    """The textbook deployment: transformers called from an async handler, so requests run one at a time.
    (It gets 2 threads, which the textbook app does not ask for, so the comparison flatters it.)"""
    from ray import serve

    @serve.deployment(ray_actor_options={"num_cpus": 2})
    class NaiveTranslator:
        def __init__(self):
            import torch
            from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

            torch.set_num_threads(2)
            self.tokenizer = AutoTokenizer.from_pretrained(model)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model).eval()

        async def __call__(self, request) -> str:
            text = await request.json()
            inputs = self.tokenizer(["translate English to French: " + text], return_tensors="pt")
            output = self.model.generate(**inputs, **DECODING)
            return self.tokenizer.decode(output[0], skip_special_tokens=True)

    return NaiveTranslator.bind()


def textml_app(model: str, batch_wait_timeout_s: float, threads: int, replicas: int):
    """text_ml_app as deployed (Translator, its ingress, and Summarizer), with the benchmark's decoding."""
    from textml.apps.text_ml import Summarizer, Translator

    settings = {
        "model": model,
        "engine": "ctranslate2",
        "max_batch_size": 16,
        "batch_wait_timeout_s": batch_wait_timeout_s,
        "num_beams": DECODING["num_beams"],
        "min_length": DECODING["min_length"],
        "max_length": DECODING["max_length"],
        "threads": threads,
    }
    model_options = {
        "max_ongoing_requests": 64,
        "user_config": settings,
        "logging_config": {"log_level": os.environ.get("TEXTML_BENCH_LOG_LEVEL", "INFO")},
    }
    return Translator.options(ray_actor_options={"num_cpus": threads}, num_replicas=replicas, **model_options).bind(
        Summarizer.options(ray_actor_options={"num_cpus": 1}, **model_options).bind()
    )


def write_report(out: Path, results: list[Outcomes], engine_rows: list[tuple], ratios: list[str]):
    lines = [
        "| system | clients | requests | failed | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.clients} | {r.requests} | {r.failed} | {r.throughput:.2f} | "
            f"{r.percentile(50):.0f} | {r.percentile(95):.0f} | {r.percentile(99):.0f} |"
        )
    engine_lines = ["| (a) raw engine, in process | batch | seconds per batch | req/s |", "|---|---|---|---|"]
    engine_lines += [
        f"| {name} | {batch} | {seconds:.3f} | {batch / seconds:.2f} |" for name, batch, seconds in engine_rows
    ]
    report = "\n".join(engine_lines + [""] + lines + ["", *[f"- {ratio}" for ratio in ratios]]) + "\n"
    (out / "results.md").write_text(report)
    print(report)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (throughput, p99) = plt.subplots(1, 2, figsize=(11, 4))
    for system in dict.fromkeys(r.label for r in results):
        rows = [r for r in results if r.label == system]
        throughput.plot([r.clients for r in rows], [r.throughput for r in rows], marker="o", label=system)
        p99.plot([r.clients for r in rows], [r.percentile(99) for r in rows], marker="o", label=system)
    batched = [(name, batch, seconds) for name, batch, seconds in engine_rows if batch > 1]
    for (name, batch, seconds), style in zip(batched, ("--", ":", "-."), strict=False):
        throughput.axhline(batch / seconds, linestyle=style, color="grey", label=f"(a) {name}, batch {batch}")
    for axis, label in ((throughput, "requests / s"), (p99, "p99 latency, ms")):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("concurrent clients")
        axis.set_ylabel(label)
        axis.grid(True, alpha=0.3)
    throughput.legend(fontsize=7)
    figure.suptitle(f"t5-small architecture, random weights, {INPUT_TOKENS} tokens in, {OUTPUT_TOKENS} out, greedy")
    figure.tight_layout()
    figure.savefig(out / "throughput.png", dpi=120)


def add_arguments(parser: argparse.ArgumentParser):
    parser.add_argument("--seconds", type=float, default=15, help="load duration per concurrency level")
    parser.add_argument("--out", default="benchmarks", help="folder for results.md and throughput.png")
    parser.add_argument("--model", help="a checkpoint directory (default: build the random t5-small-shaped one)")
    parser.add_argument("--clients", type=int, nargs="+", default=list(CLIENTS))
    parser.add_argument("--batch-wait", type=float, default=0.02, help="textml's batch_wait_timeout_s")
    parser.add_argument("--threads", type=int, default=1, help="textml's engine threads per replica")
    parser.add_argument("--replicas", type=int, default=1, help="textml's Translator replicas (translate alone)")
    parser.add_argument("--systems", nargs="+", default=["naive", "translate", "chain"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    run(parser.parse_args(argv))


def run(args: argparse.Namespace):
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from transformers import AutoTokenizer

    from textml.tools.random_t5 import build_t5_small_shaped

    model = args.model or str(Path("build") / "t5-small-random")
    if not args.model and not (Path(model) / "config.json").is_file():
        print(f"building {model}: t5-small's architecture, random weights")
        build_t5_small_shaped(Path(model))
    texts = english_texts(AutoTokenizer.from_pretrained(model), 64)

    # The engine's limit on this machine: its best thread count, measured here, in this run.
    engine_rows = [
        (
            f"CTranslate2 int8, {threads} thread{'s' * (threads > 1)}",
            batch,
            measure_engine(model, texts, "ctranslate2", batch, threads, 10 if batch == 1 else 5),
        )
        for threads in (1, 2)
        for batch in (1, 16)
    ]
    engine_rows += [
        ("transformers, 2 threads", batch, measure_engine(model, texts, "transformers", batch, 2, 3))
        for batch in (1, 16)
    ]
    for name, batch, seconds in engine_rows:
        print(f"(a) {name} batch {batch}: {seconds * 1000:.0f} ms per batch, {batch / seconds:.2f} req/s")

    import ray
    from ray import serve

    # A cluster of its own ("local"), never one already running here.
    ray.init(address="local", num_cpus=8, include_dashboard=False, log_to_driver=False)
    serve.start(http_options={"host": "127.0.0.1", "port": PORT})
    textml = textml_app(model, args.batch_wait, args.threads, args.replicas)
    # (label, name, app, route prefix, path under it, request bodies)
    systems = [
        ("(b) naive transformers", "naive", naive_app(model), "/naive", "", texts),
        ("(c) textml translate", "translate", textml, "/textml", "/translate", [{"text": t} for t in texts]),
        ("(c) textml summarize+translate", "chain", textml, "/textml", "", texts),
    ]
    results = []
    try:
        for label, name, app, route, path, bodies in [s for s in systems if s[1] in args.systems]:
            serve.run(app, name=name, route_prefix=route)
            url = f"http://127.0.0.1:{PORT}{route}{path}"
            closed_loop(url, bodies, 2, 3, label)  # warm-up
            for clients in args.clients:
                result = closed_loop(url, bodies, clients, args.seconds, label)
                print(
                    f"{label} x{clients}: {result.throughput:.2f} req/s, p50 {result.percentile(50):.0f} ms, "
                    f"p99 {result.percentile(99):.0f} ms, {result.failed} failed"
                )
                results.append(result)
            serve.delete(name)
    finally:
        serve.shutdown()
        ray.shutdown()

    def at(system, clients):
        return next((r for r in results if r.label == system and r.clients == clients), None)

    ct2_single = min(seconds for name, batch, seconds in engine_rows if name.startswith("CTranslate2") and batch == 1)
    ct2_limit = max(
        batch / seconds for name, batch, seconds in engine_rows if name.startswith("CTranslate2") and batch > 1
    )
    textml, naive = "(c) textml translate", "(b) naive transformers"
    ratios = []
    if at(textml, 16) and at(naive, 16):
        ratio = at(textml, 16).throughput / at(naive, 16).throughput
        ratios.append(f"(c) translate / (b) naive at 16 clients: {ratio:.1f}x (target >= 10x)")
    served = [r for r in results if r.label == textml]
    if served:
        best = max(served, key=lambda r: r.throughput)
        ratios.append(
            f"(c) translate at saturation ({best.clients} clients, {best.throughput:.2f} req/s) / (a) "
            f"CTranslate2 batch 16, best thread count ({ct2_limit:.2f} req/s): "
            f"{best.throughput / ct2_limit:.2f} (target >= 0.8)"
        )
    if at(textml, 1):
        p50 = at(textml, 1).percentile(50)
        ratios.append(
            f"(c) translate p50 at 1 client: {p50:.0f} ms vs (a) single request {ct2_single * 1000:.0f} ms "
            f"+ 20 ms = {ct2_single * 1000 + 20:.0f} ms (target: at most that)"
        )
    write_report(out, results, engine_rows, ratios)


if __name__ == "__main__":
    main()
