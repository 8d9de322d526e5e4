"""Throughput and latency of textml against the raw engine and naive deployments, on one machine, in one run.

    make bench        # or: textml bench --seconds 15 --out benchmarks

Six workloads (workloads.py, pairs.py, corpus.py), the first four against the raw engine doing the same
decodes in process:
short       one sentence of 8 words translated to 16 tokens, greedy (a chat message, a UI string): (c) textml
            /translate against the raw engine at its best (batch 1, 16, 64; one or two threads and streams);
greedy      40-token prompts translated to 32 tokens, greedy: (b) a naive deployment, (c) textml /translate and
            its root route;
seed        the seed's own path: summarize then translate with t5-small's settings (beam 4): (s) the seed's
            text_ml.py, (c) textml's root route and /summarize-translate;
documents   license texts translated sentence by sentence: textml /translate, documents/s and sentences/s,
            and the latency of a one-sentence request while a long document is translated;
pairs       several models in one Translator replica (OPUS-MT- and NLLB-shaped): mixed load over three pairs
            against the same load on one model, NLLB in the mix, first-request load time (cold, cached,
            reloaded) and memory per loaded model;
corpus      `textml batch translate` on Ray Data, Ray's start included, against the raw engine at its best on
            the same sentences, then on two local Ray nodes (corpus.py).
textml is the committed deploy/serve_config.yaml, deployed through the dashboard's REST API as `serve deploy`
does, with the random model and the workload's pinned lengths in its user_config. `--ingress` runs the Serve
workloads once per ingress mode of Ray Serve (INGRESS_MODES), each on a cluster of its own, side by side.
"""

import argparse
import contextlib
import os
import time
from pathlib import Path

import yaml

from textml.tools.bench import corpus, pairs, raw, report
from textml.tools.bench import documents as document_load
from textml.tools.bench.budget import Budget
from textml.tools.bench.workloads import DOCUMENTS, GREEDY, SEED, SHORT, WORKLOADS, english_texts, short_sentences
from textml.tools.load import Outcomes, closed_loop

CLIENTS = (1, 4, 16, 64)
PORT, DASHBOARD_PORT = 8300, 8365
TEXT_ML = "text_ml_app"
# label, workload, app, path under it, body kind ("json": a JSON string; "typed": {"text": ...})
SYSTEMS = {
    "short": ("(c) textml /translate", SHORT, TEXT_ML, "/translate", "typed"),
    "naive": ("(b) naive transformers", GREEDY, "naive", "", "json"),
    "translate": ("(c) textml /translate", GREEDY, TEXT_ML, "/translate", "typed"),
    "chain": ("(c) textml root route (summarize, translate)", GREEDY, TEXT_ML, "", "json"),
    "seed": ("(s) the seed's text_ml.py", SEED, "seed", "", "json"),
    "root": ("(c) textml root route", SEED, TEXT_ML, "", "json"),
    "summarize-translate": ("(c) textml /summarize-translate", SEED, TEXT_ML, "/summarize-translate", "typed"),
}


# Ray Serve's ingress modes: the environment the cluster's processes start with.
INGRESS_MODES = {
    "default": {},
    # HAProxy in front of the replicas, which take HTTP themselves (Ray 2.56+; Ray's wheel brings haproxy).
    "haproxy": {"RAY_SERVE_ENABLE_HA_PROXY": "1"},
    # Direct ingress, gRPC between replicas, user code on the replica's own event loop (Ray 2.56+).
    "throughput": {"RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"},
    # The same, but user code in its own thread as by default (health checks and file-job heartbeats keep their
    # pace) and each request's log lines written at once (the mode buffers 1,000).
    "throughput-kept": {
        "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
        "RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD": "1",
        "RAY_SERVE_REQUEST_PATH_LOG_BUFFER_SIZE": "1",
    },
}


def add_arguments(parser: argparse.ArgumentParser):
    parser.add_argument("--seconds", type=float, default=15, help="load duration per concurrency level")
    parser.add_argument("--out", default="benchmarks", help="folder for results.md and throughput.png")
    parser.add_argument("--model", help="a checkpoint directory (default: build the random t5-small-shaped one)")
    parser.add_argument("--config", default="deploy/serve_config.yaml", help="the Serve config textml runs")
    parser.add_argument("--clients", type=int, nargs="+", default=list(CLIENTS))
    parser.add_argument(
        "--systems",
        nargs="+",
        default=[*SYSTEMS, "documents", "pairs", "corpus"],
        choices=[*SYSTEMS, "documents", "pairs", "corpus"],
        help="what to load (default: all; documents, pairs and corpus are those workloads)",
    )
    parser.add_argument(
        "--corpus-sentences", type=int, default=2000, help="sentences the corpus workload translates (textml batch)"
    )
    parser.add_argument(
        "--ingress",
        nargs="+",
        default=["default"],
        choices=list(INGRESS_MODES),
        help="Ray Serve ingress modes to run the Serve workloads under, one after another (default: default)",
    )
    parser.add_argument("--no-engine", action="store_true", help="skip the raw engine (a quick A/B of settings)")
    parser.add_argument("--budget", action="store_true", help="print each process's CPU per request under load")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="DEPLOYMENT.KEY=VALUE",
        help="change text_ml_app's config, e.g. Translator.user_config.threads=2 or "
        "Summarizer.ray_actor_options.num_cpus=1 (VALUE is YAML)",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    run(parser.parse_args(argv))


def textml_config(path: str, model: str, changes: list[str], baselines=("naive", "seed")) -> dict:
    """The committed config with the model, the benchmark's port, the --set changes, and the `baselines` apps."""
    from textml import serve_config

    config = serve_config.with_overrides(serve_config.load(path), model=model, host="127.0.0.1", port=PORT)
    config.pop("grpc_options", None)
    for change in changes:
        where, value = change.split("=", 1)
        name, *keys = where.split(".")
        target = serve_config.deployment(config, TEXT_ML, name)
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = yaml.safe_load(value)
    config["applications"] += [
        {
            "name": name,
            "import_path": f"textml.tools.bench.apps:{name}_app",
            "route_prefix": f"/{name}",
            "args": {"model": model},
        }
        for name in baselines
    ]
    return config


def with_workload(config: dict, workload) -> dict:
    from textml import serve_config

    config = yaml.safe_load(yaml.safe_dump(config))
    for name, settings in (("Translator", workload.translator), ("Summarizer", workload.summarizer)):
        serve_config.deployment(config, TEXT_ML, name).setdefault("user_config", {}).update(settings)
    return config


def deploy(client, config: dict, timeout_s: float = 600):
    """Deploys `config` as `serve deploy` does and waits until every app runs it."""
    from textml.serve_config import runs_submitted

    client.deploy_applications(config)
    deadline = time.monotonic() + timeout_s
    while True:
        applications = client.get_serve_details().get("applications", {})
        if all(runs_submitted(applications.get(app["name"]), app) for app in config["applications"]):
            return
        failed = {n: a.get("message") for n, a in applications.items() if a.get("status") == "DEPLOY_FAILED"}
        if failed or time.monotonic() > deadline:
            raise RuntimeError(f"the benchmark's apps did not deploy: {failed or 'not RUNNING in time'}")
        time.sleep(1)


def prepared_model(args) -> str:
    from textml.tools.random_t5 import build_t5_small_shaped

    model = args.model or str(Path("build") / "t5-small-random")
    if not args.model and not (Path(model) / "config.json").is_file():
        print(f"building {model}: t5-small's architecture and generation config, random weights")
        build_t5_small_shaped(Path(model))
    return model


def engine_rows(model: str, texts: list[str], short: list[str], systems: list[str]) -> list[raw.EngineRow]:
    """The raw engine on each workload the run loads: its best thread count and batch size, measured here."""
    rows = []
    if "short" in systems:
        rows += [raw.measure(model, "ctranslate2", SHORT, short, 1, threads, 20) for threads in (1, 2)]
        rows += [
            raw.measure(model, "ctranslate2", SHORT, short, batch, threads, 5, streams)
            for batch in (16, 64)
            for threads, streams in ((1, 1), (2, 1), (1, 2))
        ]
    if {"naive", "translate", "chain"} & set(systems):
        rows += [
            raw.measure(model, "ctranslate2", GREEDY, texts, batch, threads, 10 if batch == 1 else 5)
            for threads in (1, 2)
            for batch in (1, 16)
        ]
        rows += [raw.measure(model, "transformers", GREEDY, texts, batch, 2, 3) for batch in (1, 16)]
    if {"seed", "root", "summarize-translate"} & set(systems):
        rows += [
            raw.measure(model, "ctranslate2", SEED, texts, batch, threads, 5 if batch < 64 else 2)
            for threads in (1, 2)
            for batch in (1, 4, 16, 64)
        ]
        rows += [
            raw.measure(model, "ctranslate2", SEED, texts, batch, 1, 3 if batch < 64 else 2, 2) for batch in (16, 64)
        ]
    for row in rows:
        print(f"(a) {row.name} {row.workload} batch {row.batch}: {row.seconds * 1000:.0f} ms, {row.per_second:.2f}/s")
    return rows


def best(rows: list[raw.EngineRow], workload, batch: int) -> raw.EngineRow | None:
    candidates = [r for r in rows if r.workload == workload.name and r.batch == batch and "CTranslate2" in r.name]
    return max(candidates, key=lambda r: r.per_second, default=None)


def mode_label(label: str, mode: str) -> str:
    """A system's label under an ingress mode: the default mode's is the label itself."""
    return label if mode == "default" else f"{label} [{mode}]"


def under_mode(lines: list[str], mode: str, modes: list[str]) -> list[str]:
    """A section's lines, under a heading naming the ingress mode when the run compares several."""
    return [f"### {mode}", "", *lines, ""] if lines and len(modes) > 1 else lines


def ratios(rows: list[raw.EngineRow], results: list[Outcomes], mode: str = "default") -> list[str]:
    def at(system: str, clients: int) -> Outcomes | None:
        label = mode_label(f"[{SYSTEMS[system][1].name}] {SYSTEMS[system][0]}", mode)
        return next((r for r in results if r.label == label and r.clients == clients), None)

    lines = []
    single = best(rows, SHORT, 1)
    for clients in (16, 64):
        engine = best(rows, SHORT, clients)
        if at("short", clients) and engine:
            lines.append(
                f"short: (c) /translate at {clients} clients {at('short', clients).throughput:.2f} req/s / (a) batch "
                f"{engine.batch} {engine.per_second:.2f} ({engine.name}): "
                f"{at('short', clients).throughput / engine.per_second:.2f} (target >= 0.8)"
            )
    if at("short", 1) and single:
        lines.append(
            f"short: (c) /translate p50 at 1 client {at('short', 1).percentile(50):.0f} ms vs (a) batch 1 "
            f"{single.seconds * 1000:.0f} ms + 10 ms = {single.seconds * 1000 + 10:.0f} ms (target: at most)"
        )
    single, batch16 = best(rows, GREEDY, 1), best(rows, GREEDY, 16)
    if at("translate", 16) and at("naive", 16):
        lines.append(
            f"greedy: (c) /translate / (b) naive at 16 clients: "
            f"{at('translate', 16).throughput / at('naive', 16).throughput:.1f}x (target >= 10x)"
        )
    if at("translate", 16) and batch16:
        lines.append(
            f"greedy: (c) /translate at 16 clients {at('translate', 16).throughput:.2f} req/s / (a) batch 16 "
            f"{batch16.per_second:.2f} ({batch16.name}): "
            f"{at('translate', 16).throughput / batch16.per_second:.2f}"
        )
    if at("translate", 1) and single:
        lines.append(
            f"greedy: (c) /translate p50 at 1 client {at('translate', 1).percentile(50):.0f} ms vs (a) "
            f"batch 1 {single.seconds * 1000:.0f} ms + 20 ms"
        )
    single, batch16, batch64 = best(rows, SEED, 1), best(rows, SEED, 16), best(rows, SEED, 64)
    for system in ("root", "summarize-translate"):
        for clients, engine, target in ((16, batch16, 0.9), (64, batch64, 0.9)):
            if at(system, clients) and engine:
                lines.append(
                    f"seed: (c) {system} at {clients} clients {at(system, clients).throughput:.2f} req/s / (a) batch "
                    f"{engine.batch} {engine.per_second:.2f} ({engine.name}): "
                    f"{at(system, clients).throughput / engine.per_second:.2f} (target >= {target})"
                )
    if at("root", 16) and at("seed", 16):
        lines.append(
            f"seed: (c) root / (s) the seed's app at 16 clients: "
            f"{at('root', 16).throughput / at('seed', 16).throughput:.1f}x (target >= 12x)"
        )
    if at("root", 1) and single:
        lines.append(
            f"seed: (c) root p50 at 1 client {at('root', 1).percentile(50):.0f} ms vs (a) batch 1 "
            f"{single.seconds * 1000:.0f} ms + 20 ms = {single.seconds * 1000 + 20:.0f} ms (target: at most)"
        )
    return lines


def run(args: argparse.Namespace):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = prepared_model(args)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    texts, short = english_texts(tokenizer, 64), short_sentences(tokenizer, 64)
    rows = [] if args.no_engine else engine_rows(model, texts, short, args.systems)

    results, document_lines, pair_lines = [], [], []
    if set(args.systems) - {"corpus"}:
        for mode in args.ingress:
            with ingress_mode(mode):
                found, documents_found, pairs_found = serve_workloads(args, model, tokenizer, texts, short, mode)
            results += found
            document_lines += under_mode(documents_found, mode, args.ingress)
            pair_lines += under_mode(pairs_found, mode, args.ingress)
    corpus_lines = (
        corpus.corpus_workload(base_config(args, model), model, args.corpus_sentences, tokenizer)
        if "corpus" in args.systems
        else []
    )
    sections = [
        ("Raw engine", report.engine_table(rows) if rows else []),
        ("Under load", report.load_table(results) if results else []),
        (
            "Ratios",
            [
                f"- {line}" + (f" [{mode}]" if mode != "default" else "")
                for mode in args.ingress
                for line in ratios(rows, results, mode)
            ],
        ),
        ("Documents", document_lines),
        ("Pairs", pair_lines),
        ("Corpus", corpus_lines),
    ]
    report.write(out, sections, results, {w.name: w.title for w in WORKLOADS.values()})


def base_config(args, model: str) -> dict:
    # Only the baselines this run loads: each is one more model to load before the first request.
    return textml_config(args.config, model, args.set, [name for name in ("naive", "seed") if name in args.systems])


@contextlib.contextmanager
def ingress_mode(mode: str):
    """The environment of INGRESS_MODES[mode] while a cluster starts and runs (its processes inherit it)."""
    saved = {key: os.environ.get(key) for key in INGRESS_MODES[mode]}
    os.environ.update(INGRESS_MODES[mode])
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def serve_workloads(
    args, model: str, tokenizer, texts: list[str], short: list[str], mode: str = "default"
) -> tuple[list[Outcomes], list[str], list[str]]:
    """The workloads sent to textml over Serve, on a cluster of the benchmark's own."""
    import ray

    from textml._ray import ray_auth_token, serve_rest_client, serve_rest_client_with_token

    # A cluster of its own ("local"), never one already running here.
    ray.init(
        address="local",
        num_cpus=8,
        include_dashboard=True,
        dashboard_host="127.0.0.1",
        dashboard_port=DASHBOARD_PORT,
        log_to_driver=False,
        # The pairs workload reads Serve's model load latency from Ray's Prometheus endpoint.
        **({"_metrics_export_port": pairs.METRICS_PORT} if "pairs" in args.systems else {}),
    )
    # Ray's token auth as Ray sets it (on, by default): ray.init wrote the token where Ray's clients find it.
    token = ray_auth_token()
    dashboard = f"http://127.0.0.1:{DASHBOARD_PORT}"
    client = serve_rest_client_with_token(dashboard, token) if token else serve_rest_client(dashboard)
    base = base_config(args, model)
    results, document_lines, pair_lines = [], [], []
    try:
        for workload in (SHORT, GREEDY, SEED):
            chosen = [name for name, system in SYSTEMS.items() if system[1] is workload and name in args.systems]
            if not chosen:
                continue
            deploy(client, with_workload(base, workload))
            for name in chosen:
                label, _, app, path, kind = SYSTEMS[name]
                label = mode_label(f"[{workload.name}] {label}", mode)
                prefix = next(a["route_prefix"] for a in base["applications"] if a["name"] == app)
                url = f"http://127.0.0.1:{PORT}{prefix}{path}"
                sent = short if workload is SHORT else texts
                bodies = sent if kind == "json" else [{"text": t} for t in sent]
                closed_loop(url, bodies, 2, 3, label)  # warm-up
                for clients in args.clients:
                    budget = Budget.begin() if args.budget else None
                    result = closed_loop(url, bodies, clients, args.seconds, label)
                    if budget:
                        print("\n".join(budget.end(len(result.latencies_ms), result.seconds)))
                    print(
                        f"{label} x{clients}: {result.throughput:.2f} req/s, p50 {result.percentile(50):.0f} ms, "
                        f"p99 {result.percentile(99):.0f} ms, {result.failed} failed"
                    )
                    results.append(result)
        if "documents" in args.systems:
            document_lines = documents_workload(client, base, model, tokenizer)
        if "pairs" in args.systems:
            levels = [clients for clients in args.clients if clients <= 16] or args.clients
            pair_lines = pairs.pairs_workload(client, base, levels, args.seconds)
    finally:
        client.delete_applications()
        ray.shutdown()
    return results, document_lines, pair_lines


def documents_workload(client, base: dict, model: str, tokenizer) -> list[str]:
    """Documents/s, sentences/s and tokens/s for textml against the raw engine on the same sentences, with and
    without token-bounded batches; then the fairness probe."""

    def count(texts):
        return [len(ids) for ids in tokenizer(texts).input_ids]

    url = f"http://127.0.0.1:{PORT}/summarize_translate/translate"
    docs = document_load.corpus(25_000)
    lines = [
        f"{len(docs)} documents, {sum(map(len, docs)):,} characters (license texts, cut at paragraphs)",
        "",
        "| system | clients | documents/s | sentences/s | source tokens/s |",
        "|---|---|---|---|---|",
    ]
    runs = {}
    for tokens in (None, 1024):
        config = with_workload(base, DOCUMENTS)
        for name in ("Translator", "Summarizer"):
            from textml.serve_config import deployment

            deployment(config, TEXT_ML, name)["user_config"]["max_batch_tokens"] = tokens
        deploy(client, config)
        document_load.translate_all(url, docs[:2], 2, count)  # warm-up
        for clients in (1, 16):
            result = document_load.translate_all(url, docs, clients, count)
            runs[tokens, clients] = result
            lines.append(
                f"| (c) textml /translate, max_batch_tokens {tokens} | {clients} | "
                f"{result.documents_per_second:.3f} | {result.sentences_per_second:.2f} | "
                f"{result.tokens_per_second:.0f} |"
            )
            print(lines[-1])
    sentences = segments_of(url, docs)
    engine = {
        (batch, threads, tokens): raw.sentences_per_second(model, DOCUMENTS, sentences, batch, threads, tokens)
        for batch in (16, 64)
        for threads in (1, 2)
        for tokens in (None, 1024)
    }
    for (batch, threads, tokens), rate in engine.items():
        lines.append(
            f"| (a) raw engine, batch {batch}, {threads} threads, max_batch_tokens {tokens} | | | {rate:.2f} | |"
        )
    limit = max(engine.values())
    served = max(runs[tokens, 16].sentences_per_second for tokens in (None, 1024))
    fair = document_load.fairness(url, document_load.corpus(60_000, lengths=(60_000,))[0])
    lines += [
        "",
        f"- documents: (c) sentences/s at 16 clients {served:.2f} / (a) best {limit:.2f}: "
        f"{served / limit:.2f} (target >= 0.8)",
        f"- documents: token-bounded batches (1024) at 16 clients: {runs[1024, 16].sentences_per_second:.2f} "
        f"sentences/s against {runs[None, 16].sentences_per_second:.2f} without",
        f"- fairness: one sentence answered in {fair.idle_s * 1000:.0f} ms on an idle service; during a "
        f"60,000-character document ({fair.document_s:.0f} s), median {fair.busy_median_s * 1000:.0f} ms, worst"
        f" {max(fair.busy_s) * 1000:.0f} ms over {len(fair.busy_s)} requests: {fair.ratio:.1f}x idle",
    ]
    return lines


def segments_of(url: str, docs: list[str]) -> list[str]:
    """The plain sentences textml decoded for `docs`, in order: the raw engine decodes the same."""
    import requests

    from textml.documents.segmentation import plain

    return [
        plain(s["source"]) for d in docs for s in requests.post(url, json={"text": d}, timeout=3600).json()["segments"]
    ]
