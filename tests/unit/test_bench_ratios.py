"""The benchmark's arithmetic: the raw engine's rate in streams, the best engine row a ratio compares with,
and the ratio lines of each ingress mode."""

from textml.tools.bench import mode_label, ratios, under_mode
from textml.tools.bench.raw import EngineRow
from textml.tools.load import Outcomes


def served(label: str, clients: int, requests: int, seconds: float, latency_ms: float) -> Outcomes:
    outcome = Outcomes(label, clients, seconds=seconds)
    for _ in range(requests):
        outcome.record(200, latency_ms)
    return outcome


ROWS = [
    EngineRow("CTranslate2 int8, 1 thread", "short", 1, 1, 0.050),
    EngineRow("CTranslate2 int8, 1 thread", "short", 16, 1, 0.250),
    EngineRow("CTranslate2 int8, 2 streams x 1 thread", "short", 16, 1, 0.320, streams=2),
    EngineRow("CTranslate2 int8, 2 threads", "short", 64, 2, 0.800),
]


def test_streams_multiply_the_rate_of_a_batch():
    assert ROWS[1].per_second == 64.0
    assert ROWS[2].per_second == 100.0  # two batches of 16 in 0.32 s


def test_short_requests_are_compared_with_the_best_engine_row_of_each_mode():
    results = [
        served("[short] (c) textml /translate", 1, 10, 1.0, 70),
        served("[short] (c) textml /translate", 16, 50, 1.0, 300),
        served("[short] (c) textml /translate [haproxy]", 16, 80, 1.0, 200),
    ]
    default = ratios(ROWS, results)
    assert default[0] == (
        "short: (c) /translate at 16 clients 50.00 req/s / (a) batch 16 100.00 "
        "(CTranslate2 int8, 2 streams x 1 thread): 0.50 (target >= 0.8)"
    )
    assert (
        default[1]
        == "short: (c) /translate p50 at 1 client 70 ms vs (a) batch 1 50 ms + 10 ms = 60 ms (target: at most)"
    )
    assert len(default) == 2  # nothing measured at 64 clients: no line for it

    haproxy = ratios(ROWS, results, "haproxy")
    assert haproxy == [
        "short: (c) /translate at 16 clients 80.00 req/s / (a) batch 16 100.00 "
        "(CTranslate2 int8, 2 streams x 1 thread): 0.80 (target >= 0.8)"
    ]


def test_mode_labels_and_sections():
    assert mode_label("[short] (c) textml /translate", "default") == "[short] (c) textml /translate"
    assert mode_label("[short] (c) textml /translate", "haproxy") == "[short] (c) textml /translate [haproxy]"
    assert under_mode(["a line"], "haproxy", ["default", "haproxy"]) == ["### haproxy", "", "a line", ""]
    assert under_mode(["a line"], "default", ["default"]) == ["a line"]
    assert under_mode([], "haproxy", ["default", "haproxy"]) == []
