"""Ray's Prometheus endpoint on the test cluster's head node, read as a Prometheus server would."""

import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers.cluster import HOST, METRICS_PORT


def scrape() -> dict[str, list]:
    """Sample name -> samples."""
    text = requests.get(f"http://{HOST}:{METRICS_PORT}/metrics", timeout=30).text
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def total(samples, name: str, **labels) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


def settled(read, quiet_s: float = 6, timeout_s: float = 90):
    """`read()` once it has stopped changing for `quiet_s` (replicas report to the metrics agent every
    METRICS_REPORT_MS: helpers/cluster.py)."""
    deadline = time.monotonic() + timeout_s
    value, since = read(), time.monotonic()
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(2)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value
