"""The replica translating a file dies mid-job: the job is started again by the replica that next asks after it
(the book of jobs in DocumentJobs outlives it), and its result is the file translated whole. It never hangs."""

import os
import signal
import time

import requests

from helpers.cluster import PROXY, seconds_until
from helpers.config import TEXT_ML, changed
from helpers.http import TEXT_ML_ROUTE
from helpers.prose import document

BASE = f"{PROXY}{TEXT_ML_ROUTE}"
# A worker silent this long is taken as lost (the committed config waits 20 s).
STALE_S = 2


def status(id: str) -> dict | None:
    """The job's status; None while no ingress replica answers (the killed one is being replaced: the proxy holds
    the request, or refuses it)."""
    try:
        response = requests.get(f"{BASE}/documents/{id}", timeout=5)
    except (requests.ConnectionError, requests.Timeout):
        return None
    return response.json() if response.status_code == 200 else None


def test_a_file_job_resumes_when_the_replica_translating_it_dies(cluster, base_config, redeploy):
    redeploy(changed(base_config, TEXT_ML, "DocumentJobs", user_config={"stale_after_s": STALE_S}))
    data = document(60_000).encode()
    response = requests.post(
        f"{BASE}/documents", files={"file": ("long.txt", data)}, data={"language": "de", "source": "en"}, timeout=60
    )
    assert response.status_code == 202, response.text
    id = response.json()["id"]
    seconds_until(lambda: (status(id) or {}).get("progress", 0) > 0, 60, "the job under way", poll_s=0.1)
    [(_, pid)] = cluster.replicas(TEXT_ML, "Translator")
    os.kill(pid, signal.SIGKILL)  # the ingress replica translating it: a process of this session's cluster
    killed_at = status(id)
    assert killed_at is None or killed_at["status"] == "translating", f"the job ended before the kill: {killed_at}"

    def ended() -> bool:
        found = status(id)
        return found is not None and found["status"] in ("done", "failed")

    resumed_s = seconds_until(ended, 180, "the job done again after its replica died", poll_s=0.5)
    final = status(id)
    print(f"done {resumed_s:.1f} s after the kill: {final['status']}")
    assert final["status"] == "done", final
    again = requests.post(
        f"{BASE}/documents", files={"file": ("long.txt", data)}, data={"language": "de", "source": "en"}, timeout=60
    ).json()
    seconds_until(lambda: (status(again["id"]) or {}).get("status") == "done", 180, "the second job done", poll_s=0.5)
    first = requests.get(f"{BASE}/documents/{id}/result", timeout=30)
    assert first.content == requests.get(f"{BASE}/documents/{again['id']}/result", timeout=30).content
    assert time.time() < final["expires"]
