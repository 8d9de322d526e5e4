"""The corpus workload: `textml batch translate` (Ray Data, Ray's start included) against the raw engine at its
best on the same sentences with the same settings (the documents workload's: beam 4, 31 tokens each), then the
same job on two local Ray nodes (a second `ray start --address`).

The raw engine's best: every sentence in batches of 64 (max_batch_tokens as the Serve config sets it), either one
process with two threads or two processes of one thread each, each decoding half (the two CPUs of this
machine); its time counts the decoding only, not the loading.
"""

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from textml.documents.segmentation import plain, sentences
from textml.tools.bench import raw
from textml.tools.bench.documents import corpus as license_documents
from textml.tools.bench.workloads import DOCUMENTS, PROMPT_PREFIX

BATCH = 64
# Sentences longer than this (tokens, the task's prefix included) are left out: the raw engine refuses an input
# over the model's window, which textml would cut into pieces first, and the two would no longer decode the same.
MAX_SENTENCE_TOKENS = 256
HEAD_PORT = 26480


def corpus_sentences(count: int, tokenizer) -> list[str]:
    """`count` sentences of the license texts, in order (cycled when they run out): plain, one per row."""
    found = [plain(span.of(doc)) for doc in license_documents(200_000) for span in sentences(doc)]
    lengths = [len(ids) for ids in tokenizer([PROMPT_PREFIX + sentence for sentence in found]).input_ids]
    found = [sentence for sentence, length in zip(found, lengths, strict=True) if length <= MAX_SENTENCE_TOKENS]
    return [found[index % len(found)] for index in range(count)]


def _decode_part(model: str, part: list[str], threads: int, max_batch_tokens: int | None, ready, go, done):
    engine = raw.load_engine(model, "ctranslate2", threads)
    raw.decode_all(engine, DOCUMENTS, part[:8])  # warm-up
    ready.set()
    go.wait()
    for start in range(0, len(part), BATCH):
        raw.decode_all(engine, DOCUMENTS, part[start : start + BATCH], max_batch_tokens)
    done.put(time.perf_counter())


def raw_seconds(model: str, texts: list[str], streams: int, threads: int, max_batch_tokens: int | None) -> float:
    """Seconds for `streams` processes of `threads` threads to decode `texts` (split evenly), loading excluded."""
    context = multiprocessing.get_context("spawn")
    go, done = context.Event(), context.Queue()
    parts = [texts[index::streams] for index in range(streams)]
    readies = [context.Event() for _ in parts]
    workers = [
        context.Process(target=_decode_part, args=(model, part, threads, max_batch_tokens, ready, go, done))
        for part, ready in zip(parts, readies, strict=True)
    ]
    for worker in workers:
        worker.start()
    for ready in readies:
        ready.wait()
    started = time.perf_counter()
    go.set()
    finished = max(done.get(timeout=3600) for _ in workers)  # a worker that failed said why on stderr
    for worker in workers:
        worker.join()
    return finished - started


def batch_seconds(texts_file: Path, output: Path, config: Path, env: dict) -> tuple[float, str]:
    """Wall time of `textml batch translate`, Ray's start included, and its last line."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "textml.cli.main",
            "batch",
            "translate",
            str(texts_file),
            str(output),
            "--language",
            "french",
            "--config",
            str(config),
        ],
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode:
        raise RuntimeError(f"textml batch failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return seconds, result.stdout.strip().splitlines()[-1]


def ray_command(*arguments: str, env: dict):
    subprocess.run([str(Path(sys.executable).parent / "ray"), *arguments], env=env, check=True, capture_output=True)


def corpus_workload(base: dict, model: str, count: int, tokenizer) -> list[str]:
    """The table and ratios of the corpus workload."""
    from textml import serve_config

    config = yaml.safe_load(yaml.safe_dump(base))
    translator = serve_config.deployment(config, "text_ml_app", "Translator")["user_config"]
    translator.update(DOCUMENTS.translator)
    max_batch_tokens = translator.get("max_batch_tokens")
    texts = corpus_sentences(count, tokenizer)
    scratch = Path(tempfile.mkdtemp(prefix="textml-bench-corpus-"))
    (scratch / "config.yaml").write_text(yaml.safe_dump(config))
    texts_file = scratch / "corpus.jsonl"
    texts_file.write_text("".join(json.dumps({"id": n, "text": t}) + "\n" for n, t in enumerate(texts)))
    characters = sum(map(len, texts))

    engine = {
        (streams, threads): raw_seconds(model, texts, streams, threads, max_batch_tokens)
        for streams, threads in ((1, 2), (2, 1))
    }
    for (streams, threads), seconds in engine.items():
        print(f"(a) raw engine, {streams} x {threads} threads: {seconds:.1f} s, {count / seconds:.2f} sentences/s")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    one_node, one_line = batch_seconds(texts_file, scratch / "out-1", scratch / "config.yaml", env)
    print(f"(c) textml batch, one node: {one_node:.1f} s: {one_line}")

    # Two nodes of one CPU each on this machine, with Ray's token auth (the head writes ~/.ray/auth_token; the
    # second node and the driver send it); the driver joins them through RAY_ADDRESS.
    env = {**env, "RAY_AUTH_MODE": "token"}
    nodes_env = {**env, "RAY_ADDRESS": f"127.0.0.1:{HEAD_PORT}"}
    ray_command(
        "start",
        "--head",
        f"--port={HEAD_PORT}",
        "--num-cpus=1",
        "--disable-usage-stats",
        "--node-ip-address=127.0.0.1",
        "--include-dashboard=false",
        env=env,
    )
    try:
        ray_command("start", f"--address=127.0.0.1:{HEAD_PORT}", "--num-cpus=1", "--node-ip-address=127.0.0.1", env=env)
        two_nodes, two_line = batch_seconds(texts_file, scratch / "out-2", scratch / "config.yaml", nodes_env)
    finally:
        ray_command("stop", "--force", env=env)
    print(f"(c) textml batch, two nodes: {two_nodes:.1f} s: {two_line}")

    best_key = min(engine, key=engine.get)
    best = engine[best_key]
    lines = [
        f"{count:,} sentences of the license texts ({characters:,} characters), one row each, translated with the "
        f"documents workload's settings (beam 4, 31 tokens each); batches of {BATCH}, max_batch_tokens "
        f"{max_batch_tokens}.",
        "",
        "| system | seconds | sentences/s |",
        "|---|---|---|",
        *(
            f"| (a) raw engine, {streams} process{'es' * (streams > 1)} x {threads} thread{'s' * (threads > 1)}, "
            f"decoding only | {seconds:.1f} | {count / seconds:.2f} |"
            for (streams, threads), seconds in engine.items()
        ),
        f"| (c) `textml batch translate`, one node (2 CPUs), Ray's start included | {one_node:.1f} | "
        f"{count / one_node:.2f} |",
        f"| (c) `textml batch translate`, two nodes of 1 CPU each, the cluster already up | {two_nodes:.1f} | "
        f"{count / two_nodes:.2f} |",
        "",
        f"- corpus: (c) one node {count / one_node:.2f} sentences/s / (a) best ({best_key[0]} x {best_key[1]}) "
        f"{count / best:.2f}: {best / one_node:.2f} (target >= 0.8)",
        f"- corpus: two nodes {count / two_nodes:.2f} sentences/s: {one_node / two_nodes:.2f}x one node's",
    ]
    return lines
