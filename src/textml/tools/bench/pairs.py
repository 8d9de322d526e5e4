"""The pairs workload: what serving several models from one Translator replica costs (Serve's model
multiplexing, one batch queue for them all).

Checkpoints with random weights and real shapes, built once into build/: three OPUS-MT-shaped ones (en-de,
en-fr, en-es; opus-mt-en-de's architecture) and an NLLB-shaped one (nllb-200-distilled-600M's). Every request
is an 8-word sentence translated greedily to exactly NEW_TOKENS tokens (random weights never stop). Measured:

1. several against one: mixed load rotating over three OPUS-MT pairs, against the same requests all en-de with
   only the en-de model configured;
2. a multilingual model in the mix: en-de and en-fr (OPUS-MT) and de-es (NLLB, the "*" model);
3. the first request for a model not loaded: its conversion to CTranslate2 not cached (cold: the Translator's
   TEXTML_CACHE is a fresh folder), cached but the model not in memory (a fresh replica; and reloads after
   the least recently used was unloaded: two held, three pairs in turn), against a request whose model is loaded;
   and Serve's own ray_serve_multiplexed_model_load_latency_ms for the same loads;
4. memory: the Translator replica's RSS with the default model only, then after each model loads.

Only text_ml_app is deployed for it (the naive and seed baselines are dropped to save CPU).
"""

import copy
import itertools
import os
import shutil
import statistics
import tempfile
import threading
import time
import zlib
from pathlib import Path

import requests

from textml.tools.bench.workloads import pinned
from textml.tools.load import Outcomes, run_clients

NEW_TOKENS = 32
WORDS = 8
CLIENTS = (1, 4, 16)
TEXT_ML = "text_ml_app"
# Where the benchmark's cluster exports Prometheus metrics (ray.init(_metrics_export_port=...)).
METRICS_PORT = 8366
# (pair, seed) of each OPUS-MT-shaped checkpoint, and the NLLB-shaped one's seed.
OPUS = {"en-de": 1, "en-fr": 2, "en-es": 3}
NLLB_SEED = 4
# The pair the NLLB model serves in the mix: no OPUS-MT model is configured for it.
NLLB_PAIR = "de-es"
TRANSLATOR = {"num_beams": 1, "language": "de", **pinned(NEW_TOKENS)}


def checkpoints(root: Path = Path("build")) -> dict[str, str]:
    """{"en-de": ..., "en-fr": ..., "en-es": ..., "nllb": ...}: directories under `root`, built on first use."""
    from textml.tools.random_marian import build_opus_mt_shaped
    from textml.tools.random_nllb import build_nllb_600m_shaped

    wanted = {pair: (f"opus-mt-{pair}-random", seed) for pair, seed in OPUS.items()}
    wanted["nllb"] = ("nllb-200-distilled-600M-random", NLLB_SEED)
    paths = {}
    for key, (name, seed) in wanted.items():
        directory = root / name
        # The tokenizer is saved last: a build cut short is built again.
        if not (directory / "tokenizer_config.json").is_file():
            print(f"building {directory}: random weights, {'NLLB-200 600M' if key == 'nllb' else 'OPUS-MT'} shape")
            if key == "nllb":
                build_nllb_600m_shaped(directory, seed=seed)
            else:
                build_opus_mt_shaped(directory, seed=seed, pair=tuple(key.split("-")))
        paths[key] = str(directory.resolve())
    return paths


def sentences(count: int) -> list[str]:
    """`count` sentences of WORDS pseudo words, from the English words the OPUS-MT-shaped tokenizers learned."""
    from textml.tools.random_text import pseudo_words

    words = pseudo_words(count * WORDS, seed=zlib.crc32(b"en"))
    return [" ".join(words[start : start + WORDS]) for start in range(0, count * WORDS, WORDS)]


def body(text: str, pair: str) -> dict:
    source, target = pair.split("-")
    return {"text": text, "source": source, "language": target}


def rotating(texts: list[str], pairs: list[str]) -> list[dict]:
    """The texts, the pairs taken in turn (a client's consecutive requests change pair)."""
    return [body(text, pairs[index % len(pairs)]) for index, text in enumerate(texts)]


def pairs_config(base: dict, models: dict, cache: str, replica: str, max_loaded_models: int = 4) -> dict:
    """text_ml_app alone, its Translator serving `models` with the workload's decoding; its replicas convert
    into `cache`. A new `replica` tag starts a new replica (no model in memory)."""
    from textml.serve_config import deployment

    config = copy.deepcopy(base)
    config["applications"] = [a for a in config["applications"] if a["name"] == TEXT_ML]
    translator = deployment(config, TEXT_ML, "Translator")
    translator.setdefault("user_config", {}).update(
        {**TRANSLATOR, "models": models, "max_loaded_models": max_loaded_models}
    )
    options = translator.setdefault("ray_actor_options", {})
    options["runtime_env"] = {"env_vars": {"TEXTML_CACHE": cache, "TEXTML_BENCH_REPLICA": replica}}
    return config


def translator_replica(client) -> dict | None:
    """The Translator's one RUNNING replica (its details: pid, replica_id), or None while there is none or more."""
    details = client.get_serve_details().get("applications", {}).get(TEXT_ML, {})
    replicas = details.get("deployments", {}).get("Translator", {}).get("replicas", [])
    running = [r for r in replicas if r.get("state") == "RUNNING"]
    return running[0] if len(running) == 1 and len(replicas) == 1 else None


def deployed(client, config: dict, previous: dict | None = None, timeout_s: float = 900) -> dict:
    """Deploys `config`; returns the Translator replica that runs it (with `previous`: a new one)."""
    from textml.tools.bench import deploy

    deploy(client, config, timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        replica = translator_replica(client)
        if replica and (previous is None or replica["replica_id"] != previous["replica_id"]):
            return replica
        if time.monotonic() > deadline:
            raise RuntimeError("the Translator replica of the pairs workload did not start in time")
        time.sleep(1)


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """A field of /proc/PID/status (VmRSS: resident now; VmHWM: the most it has been), in MB; NaN once the
    process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return float("nan")
    return next(int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith(f"{field}:"))


def still(client, replica: dict, when: str, failures: list[str]):
    """Records a failure when the Translator replica is no longer `replica` (Serve replaced it)."""
    now = translator_replica(client)
    if not now or now["replica_id"] != replica["replica_id"]:
        failures.append(f"{when}: the Translator replica {replica['replica_id']} was replaced (see the controller log)")
        print(f"pairs: FAILED {failures[-1]}")


class Probe:
    """Single requests, timed; a failure is recorded (status, answer) and the request sent again."""

    def __init__(self, url: str):
        self.url = url
        self.failures: list[str] = []

    def __call__(self, pair: str, text: str, tries: int = 3) -> float:
        """The latency in ms of the first successful answer (failed tries included: what a client waits)."""
        started = time.perf_counter()
        for attempt in range(tries):
            try:
                response = requests.post(self.url, json=body(text, pair), timeout=900)
                status, answer = response.status_code, response.text[:300]
            except requests.RequestException as error:
                status, answer = type(error).__name__, str(error)[:300]
            if status == 200:
                return (time.perf_counter() - started) * 1000
            elapsed = time.perf_counter() - started
            self.failures.append(f"{pair} try {attempt + 1} after {elapsed:.1f} s: {status} {answer}")
            print(f"pairs: FAILED {self.failures[-1]}")
        return float("nan")

    def median(self, pair: str, text: str, times: int = 3) -> float:
        return statistics.median(self(pair, text) for _ in range(times))


def mixed_loop(url: str, bodies: list[dict], clients: int, seconds: float, label: str):
    """Closed-loop load as load.closed_loop, also counted per pair: (all, {pair: Outcomes}, first failures)."""
    everything = Outcomes(label, clients)
    by_pair = {f"{b['source']}-{b['language']}": Outcomes(label, clients) for b in bodies}
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(index: int):
        session = requests.Session()
        for sent in itertools.count():
            if time.monotonic() >= deadline:
                return
            chosen = bodies[(index * 7 + sent) % len(bodies)]
            started = time.perf_counter()
            try:
                response = session.post(url, json=chosen, timeout=300)
                status, answer = response.status_code, response.text[:300]
            except requests.RequestException as error:
                status, answer = type(error).__name__, str(error)[:300]
            elapsed_ms = (time.perf_counter() - started) * 1000
            everything.record(status, elapsed_ms)
            by_pair[f"{chosen['source']}-{chosen['language']}"].record(status, elapsed_ms)
            if status != 200:
                with lock:
                    if len(failures) < 5:
                        failures.append(f"{chosen['source']}-{chosen['language']}: {status} {answer}")

    seconds = run_clients(client, clients)
    for outcomes in (everything, *by_pair.values()):
        outcomes.seconds = seconds
    return everything, by_pair, failures


def load_latency_metric(replica: dict, expected: int, timeout_s: float = 30) -> dict[float, int] | None:
    """Serve's ray_serve_multiplexed_model_load_latency_ms for `replica` as {bucket's upper bound in ms: loads
    in it}, once it counts `expected` loads (replicas report every 10 s) or `timeout_s` has passed; None without
    the endpoint. Its _sum is no use: Ray 2.60's OpenTelemetry recorder exports each observation as its bucket's
    midpoint (10 to 60 s counts as 35 s)."""
    import ray
    from prometheus_client.parser import text_string_to_metric_families

    hosts = dict.fromkeys(["127.0.0.1", ray.util.get_node_ip_address()])
    deadline = time.monotonic() + timeout_s
    while True:
        text = None
        for host in hosts:
            try:
                text = requests.get(f"http://{host}:{METRICS_PORT}/metrics", timeout=10).text
                break
            except requests.RequestException:
                continue
        if text is None:
            return None
        cumulative: dict[float, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                label = sample.labels.get("replica")
                if sample.labels.get("deployment") != "Translator" or not label or label not in replica["replica_id"]:
                    continue
                if sample.name == "ray_serve_multiplexed_model_load_latency_ms_bucket":
                    bound = float(sample.labels["le"])
                    cumulative[bound] = cumulative.get(bound, 0) + sample.value
        bounds = sorted(cumulative)
        count = cumulative[bounds[-1]] if bounds else 0
        if count >= expected or time.monotonic() > deadline:
            below = [0.0] + [cumulative[b] for b in bounds[:-1]]
            return {b: int(cumulative[b] - low) for b, low in zip(bounds, below, strict=True) if cumulative[b] > low}
        time.sleep(2)


def described_metric(metric: dict[float, int] | None, what: str) -> str:
    name = "Serve's ray_serve_multiplexed_model_load_latency_ms"
    if metric is None:
        return f"- {name} ({what}): no metrics endpoint"
    buckets = ", ".join(f"{n} up to {bound / 1000:g} s" for bound, n in metric.items())
    return f"- {name} ({what}): {sum(metric.values())} loads: {buckets or 'none reported'}"


def seconds(ms: float) -> str:
    return f"{ms / 1000:.2f} s"


def first_requests(client, base: dict, models: dict[str, str], cache: str, probe: Probe, text: str) -> dict:
    """Phases 3 and 4: load times (cold, warm cache, reload) and memory per loaded model, as figures for
    load_lines."""
    served = {"en-de": models["en-de"], "en-fr": models["en-fr"], "en-es": models["en-es"], "*": models["nllb"]}
    figures: dict = {}
    # Cold: a fresh conversion cache; deploying converts and loads the default pair's model (en-de).
    replica = deployed(client, pairs_config(base, served, cache, "cold"))
    print(f"pairs: cold replica {replica['replica_id']} (pid {replica['pid']}), TEXTML_CACHE {cache}")
    figures["loaded opus"] = probe.median("en-de", text)
    figures["cold opus"] = probe("en-fr", text)
    figures["cold opus 2"] = probe("en-es", text)
    figures["cold nllb"] = probe(NLLB_PAIR, text)
    figures["loaded nllb"] = probe.median(NLLB_PAIR, text)
    figures["peak MB cold"] = memory_mb(replica["pid"], "VmHWM")
    figures["RSS MB cold"] = memory_mb(replica["pid"])
    figures["metric cold"] = load_latency_metric(replica, 4)
    still(client, replica, "cold loads", probe.failures)
    print(f"pairs: cold {figures}")
    # Warm cache: a new replica, the conversions cached, nothing but the default model in memory.
    replica = deployed(client, pairs_config(base, served, cache, "warm"), previous=replica)
    pid = replica["pid"]
    rss = [("default model only (en-de, OPUS-MT shape)", memory_mb(pid))]
    figures["warm opus"] = probe("en-fr", text)
    rss.append(("+ en-fr (OPUS-MT shape)", memory_mb(pid)))
    figures["warm opus 2"] = probe("en-es", text)
    rss.append(("+ en-es (OPUS-MT shape)", memory_mb(pid)))
    figures["warm nllb"] = probe(NLLB_PAIR, text)
    rss.append((f"+ {NLLB_PAIR} (NLLB shape)", memory_mb(pid)))
    for pair in ("en-de", "en-fr", "en-es", NLLB_PAIR):
        probe(pair, text)
    rss.append(("after a request on each", memory_mb(pid)))
    figures["metric warm"] = load_latency_metric(replica, 4)
    still(client, replica, "warm-cache loads", probe.failures)
    # Reloads: two models held, three pairs in turn, so each request loads the model unloaded the turn before
    # while another stays loaded and serving.
    replica = deployed(client, pairs_config(base, served, cache, "warm", max_loaded_models=2))
    rss.append(("max_loaded_models 2 (en-de and NLLB kept)", memory_mb(pid)))
    reloads_opus, reloads_nllb = [], []
    for _ in range(2):
        reloads_opus.append(probe("en-fr", text))
        reloads_nllb.append(probe(NLLB_PAIR, text))
        reloads_opus.append(probe("en-de", text))
    rss.append(("after the reloads (en-de and NLLB loaded)", memory_mb(pid)))
    still(client, replica, "reloads", probe.failures)
    figures["reload opus"] = statistics.median(reloads_opus)
    figures["reload nllb"] = statistics.median(reloads_nllb)
    figures["reloads"] = (len(reloads_opus), len(reloads_nllb))
    figures["rss"] = rss
    print(f"pairs: warm {figures}")
    return figures


def load_lines(figures: dict) -> list[str]:
    f = figures
    lines = [
        f"First request for a pair whose model is not loaded (one request, {WORDS} words, {NEW_TOKENS} tokens out, "
        "the replica idle otherwise):",
        "",
        "| family | model loaded | warm cache: converted, not in memory | reload after LRU unload "
        "(max_loaded_models 2, 3 pairs in turn) | cold: not converted yet |",
        "|---|---|---|---|---|",
        f"| OPUS-MT shape (en-fr, en-es) | {seconds(f['loaded opus'])} | {seconds(f['warm opus'])}, "
        f"{seconds(f['warm opus 2'])} | {seconds(f['reload opus'])} (median of {f['reloads'][0]}) | "
        f"{seconds(f['cold opus'])}, {seconds(f['cold opus 2'])} |",
        f"| NLLB-200 600M shape ({NLLB_PAIR}) | {seconds(f['loaded nllb'])} | {seconds(f['warm nllb'])} | "
        f"{seconds(f['reload nllb'])} (median of {f['reloads'][1]}) | {seconds(f['cold nllb'])} |",
        "",
        described_metric(f["metric cold"], "the cold replica: en-de at deploy, en-fr, en-es, NLLB"),
        described_metric(f["metric warm"], "the warm-cache replica: en-de at deploy, en-fr, en-es, NLLB"),
        f"- the cold replica's peak RSS (VmHWM, the conversions ran in it): {f['peak MB cold']:.0f} MB, "
        f"{f['RSS MB cold']:.0f} MB after",
        "",
        "Memory of the Translator replica (RSS, int8 on CPU):",
        "",
        "| loaded | RSS MB | change MB |",
        "|---|---|---|",
    ]
    previous = None
    for what, mb in f["rss"]:
        change = "" if previous is None else f"{mb - previous:+.0f}"
        lines.append(f"| {what} | {mb:.0f} | {change} |")
        previous = mb
    return lines


def load_rows(label: str, everything: Outcomes, by_pair: dict[str, Outcomes], load: float) -> str:
    per_pair = ", ".join(f"{pair} {o.percentile(50):.0f}" for pair, o in by_pair.items()) if len(by_pair) > 1 else ""
    return (
        f"| {label} | {everything.clients} | {everything.requests} | {everything.failed} | "
        f"{everything.throughput:.2f} | {everything.percentile(50):.0f} | {everything.percentile(99):.0f} | "
        f"{per_pair} | {load:.1f} |"
    )


def under_load(client, base, models, cache, texts, clients_levels, seconds_per_level) -> tuple[list[str], dict]:
    """Phases 1 and 2: each configuration deployed in place on the warm replica, then loaded at each level."""
    url = f"http://127.0.0.1:{base_port(base)}/summarize_translate/translate"
    opus = {pair: models[pair] for pair in OPUS}
    runs = [
        ("three OPUS-MT models, pairs rotating", opus, list(OPUS)),
        ("one OPUS-MT model, every request en-de", {"en-de": models["en-de"]}, ["en-de"]),
        (
            f"en-de, en-fr (OPUS-MT) and {NLLB_PAIR} (NLLB, *) rotating",
            {"en-de": models["en-de"], "en-fr": models["en-fr"], "*": models["nllb"]},
            ["en-de", "en-fr", NLLB_PAIR],
        ),
    ]
    lines = [
        f"Greedy, {WORDS}-word sentences, {NEW_TOKENS} tokens out; the same {len(texts)} sentences in each run:",
        "",
        "| models served, load | clients | requests | failed | req/s | p50 ms | p99 ms | p50 ms by pair | "
        "load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    results, failures = {}, []
    for label, served, pairs in runs:
        replica = deployed(client, pairs_config(base, served, cache, "warm"))
        bodies = rotating(texts, pairs)
        # Warm-up with company: models not loaded yet load while other requests are answered.
        warm, _, failed = mixed_loop(url, bodies, 4, 5, label)
        failures += [f"warm-up of {label}: {f}" for f in failed]
        print(f"pairs: warm-up {label}: {warm.requests} requests, {warm.failed} failed {dict(warm.statuses)}")
        for clients in clients_levels:
            everything, by_pair, failed = mixed_loop(url, bodies, clients, seconds_per_level, label)
            failures += [f"{label} x{clients}: {f}" for f in failed]
            results[label, clients] = everything
            lines.append(load_rows(label, everything, by_pair, os.getloadavg()[0]))
            print(lines[-1])
        still(client, replica, label, failures)
    lines.append("")
    several, one, multilingual = (label for label, _, _ in runs)
    for clients in clients_levels:
        s, o, m = results[several, clients], results[one, clients], results[multilingual, clients]
        if o.throughput:
            lines.append(
                f"- {clients} client{'s' if clients > 1 else ''}: three models / one: "
                f"{s.throughput / o.throughput:.2f}x req/s, p50 "
                f"{s.percentile(50) / o.percentile(50):.2f}x, p99 {s.percentile(99) / o.percentile(99):.2f}x; "
                f"with NLLB in the mix / one: {m.throughput / o.throughput:.2f}x req/s"
            )
    return lines, {"failures": failures}


def base_port(config: dict) -> int:
    return config.get("http_options", {}).get("port", 8000)


def pairs_workload(client, base: dict, clients_levels=CLIENTS, seconds_per_level: float = 15) -> list[str]:
    """Every phase, in one run on the benchmark's cluster; the lines of results.md's Pairs section."""
    models = checkpoints()
    texts = sentences(48)
    cache = tempfile.mkdtemp(prefix="textml-bench-cache-")
    url = f"http://127.0.0.1:{base_port(base)}/summarize_translate/translate"
    probe = Probe(url)
    try:
        figures = first_requests(client, base, models, cache, probe, texts[0])
        lines, extra = under_load(client, base, models, cache, texts, clients_levels, seconds_per_level)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    failures = probe.failures + extra["failures"]
    summary = [
        "Random weights of real shapes: three OPUS-MT-shaped checkpoints (opus-mt-en-de's architecture) and one "
        "nllb-200-distilled-600M-shaped, CTranslate2 int8, one Translator replica (num_cpus 0.4: one engine thread).",
        "",
        *lines,
        "",
        *load_lines(figures),
        "",
        f"- failed requests: {len(failures)}" + "".join(f"\n  - {f}" for f in failures),
    ]
    print("\n".join(summary))
    return summary
