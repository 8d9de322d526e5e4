"""Soak: mixed load on text_ml_app for a while (10 minutes by default) with a replica killed and a user_config
changed on the way; counts every request and samples every replica's memory. Not a CI test: it starts (and
`ray stop`s) a cluster of its own, so run it with no other local Ray cluster running:

    .venv/bin/python tests/reliability/soak.py [--minutes 10] [--out docs]

Prints the outcomes and each replica's RSS after warm-up and at the end; writes soak.png to --out.
"""

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).parents[1]))
from helpers.cluster import GRPC_PORT, HOST, HTTP_PORT, PROXY, LocalCluster  # noqa: E402
from helpers.config import TEXT_ML, changed, with_translator  # noqa: E402
from helpers.paths import SERVE_CONFIG  # noqa: E402
from helpers.processes import rss_mib  # noqa: E402
from helpers.prose import document  # noqa: E402
from helpers.texts import TEXT, TEXTS  # noqa: E402
from helpers.tiny_t5 import build_tiny_t5  # noqa: E402
from textml import serve_config  # noqa: E402
from textml.protos import text_ml_pb2 as messages  # noqa: E402
from textml.protos.text_ml_pb2_grpc import TextMLStub  # noqa: E402
from textml.tools.load import BackgroundLoad  # noqa: E402

RETRY_BUDGET_S = 30
WARM_UP_S = 120
BAD_BODIES = [{"text": ""}, {"txt": TEXT}, {"text": TEXT, "language": "klingon"}, [TEXT], {"texts": []}]


def replica_pids(cluster) -> dict[str, int]:
    found = {}
    for app in cluster.details()["applications"].values():
        for name, deployment in app["deployments"].items():
            for replica in deployment["replicas"]:
                if replica.get("pid") and replica["state"] == "RUNNING":
                    found[f"{name} {replica['replica_id']}"] = replica["pid"]
    return found


class GrpcLoad(threading.Thread):
    """One client calling Translate in a loop, retrying UNAVAILABLE as a careful client does."""

    def __init__(self, stop: threading.Event):
        super().__init__(daemon=True)
        self.stop, self.answered, self.lost = stop, 0, []

    def run(self):
        with grpc.insecure_channel(f"{HOST}:{GRPC_PORT}") as channel:
            stub = TextMLStub(channel)
            while not self.stop.is_set():
                give_up = time.monotonic() + RETRY_BUDGET_S
                while True:
                    try:
                        stub.Translate(
                            messages.TranslateRequest(text=TEXT), metadata=[("application", TEXT_ML)], timeout=60
                        )
                        self.answered += 1
                        break
                    except grpc.RpcError as error:
                        if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > give_up:
                            self.lost.append(error.code().name)
                            break
                        time.sleep(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--out", default="docs", help="where soak.png goes")
    args = parser.parse_args()
    seconds = args.minutes * 60
    os.environ.update(HF_HUB_OFFLINE="1", RAY_AUTH_MODE="disabled", TEXTML_CACHE=tempfile.mkdtemp())
    model = str(build_tiny_t5(Path(tempfile.mkdtemp()) / "tiny-t5", seed=1))
    config = serve_config.with_overrides(
        serve_config.load(SERVE_CONFIG), model=model, host=HOST, port=HTTP_PORT, grpc_port=GRPC_PORT
    )
    config = changed(config, TEXT_ML, "Summarizer", num_replicas=2)
    cluster = LocalCluster().start(num_cpus=8)
    try:
        cluster.deploy(config)
        base = f"{PROXY}/summarize_translate"
        loads = {
            "root route": BackgroundLoad(base, [TEXT], 2, seconds, retry_budget_s=RETRY_BUDGET_S),
            "/translate/batch": BackgroundLoad(
                f"{base}/translate/batch", [{"texts": TEXTS}], 1, seconds, retry_budget_s=RETRY_BUDGET_S
            ),
            "/translate documents": BackgroundLoad(
                f"{base}/translate",
                [{"text": document(n)} for n in (2_000, 8_000)],
                1,
                seconds,
                retry_budget_s=RETRY_BUDGET_S,
            ),
            "/summarize documents": BackgroundLoad(
                f"{base}/summarize", [{"text": document(6_000)}], 1, seconds, retry_budget_s=RETRY_BUDGET_S
            ),
            "bad input": BackgroundLoad(f"{base}/translate", BAD_BODIES, 1, seconds),
        }
        stop = threading.Event()
        grpc_load = GrpcLoad(stop)
        started = time.monotonic()
        for load in loads.values():
            load.__enter__()
        grpc_load.start()
        memory: dict[str, list[tuple[float, float]]] = {}
        events = {seconds * 0.4: "kill", seconds * 0.6: "user_config"}
        while time.monotonic() - started < seconds:
            now = time.monotonic() - started
            for name, pid in replica_pids(cluster).items():
                try:
                    memory.setdefault(name, []).append((now, rss_mib(pid)))
                except (OSError, AssertionError):
                    pass
            for at, event in list(events.items()):
                if now >= at:
                    del events[at]
                    if event == "kill":
                        victim = next(pid for name, pid in replica_pids(cluster).items() if name.startswith("Summ"))
                        os.kill(victim, signal.SIGKILL)  # a replica of the cluster this script started
                        print(f"{now:.0f} s: killed a Summarizer replica (pid {victim})")
                    else:
                        cluster.submit(with_translator(config, language="german"))
                        print(f"{now:.0f} s: Translator's language changed to german (user_config, in place)")
            time.sleep(10)
        for load in loads.values():
            load.__exit__(None, None, None)
        stop.set()
        grpc_load.join()
        report(loads, grpc_load, memory, Path(args.out))
    finally:
        cluster.stop()


def report(loads: dict, grpc_load: GrpcLoad, memory: dict, out: Path):
    lost = 0
    for name, load in loads.items():
        outcomes = load.outcomes
        bad = {s: n for s, n in outcomes.statuses.items() if not (s == 200 or (name == "bad input" and 400 <= s < 500))}
        lost += sum(bad.values())
        print(f"{name}: {outcomes.requests} requests, statuses {dict(outcomes.statuses)}, lost {sum(bad.values())}")
    lost += len(grpc_load.lost)
    print(f"gRPC Translate: {grpc_load.answered} answered, lost {len(grpc_load.lost)} {grpc_load.lost}")
    print(f"lost in all: {lost}")
    print("| replica | RSS after warm-up, MiB | RSS at the end, MiB | growth |")
    print("|---|---|---|---|")
    for name, samples in sorted(memory.items()):
        warm = [rss for at, rss in samples if at >= WARM_UP_S]
        if len(warm) >= 2:
            print(f"| {name} | {warm[0]:.0f} | {warm[-1]:.0f} | {100 * (warm[-1] / warm[0] - 1):+.1f}% |")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(9, 4))
    for name, samples in sorted(memory.items()):
        axis.plot([at / 60 for at, _ in samples], [rss for _, rss in samples], label=name)
    axis.axvspan(0, WARM_UP_S / 60, color="grey", alpha=0.15, label="warm-up")
    axis.set_xlabel("minutes")
    axis.set_ylabel("RSS, MiB")
    axis.set_title("textml soak: replica memory under mixed load (a replica killed at 40%, user_config at 60%)")
    axis.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(out / "soak.png", dpi=110)
    print(f"wrote {out / 'soak.png'}")


if __name__ == "__main__":
    main()
