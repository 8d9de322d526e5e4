"""API keys at the ingress: with TEXTML_API_KEYS_FILE set for text_ml_app, every API route and gRPC method needs a
key of that file, in whichever way its client sends one; missing, unknown and revoked keys are refused in each
API's words; quotas hold across two ingress replicas through the cluster's Redis; the file is read again without
a restart; no key reaches a log file of the Ray session.

The keys are made and revoked with `textml keys`, as an operator does.
"""

import copy
import subprocess
import sys
import time
from pathlib import Path

import deepl
import grpc
import pytest
import requests
from libretranslatepy import LibreTranslateAPI

from helpers.cluster import GRPC_PORT, HOST, PROXY, seconds_until
from helpers.config import TEXT_ML, changed
from helpers.http import TEXT_ML_ROUTE
from helpers.metrics import scrape, settled, total
from textml.protos import text_ml_pb2 as messages
from textml.protos.text_ml_pb2_grpc import TextMLStub
from textml.serve_config import application

API = f"{PROXY}{TEXT_ML_ROUTE}"
TEXT = "It was the best of times, it was the worst of times."
TEXTML = [sys.executable, "-m", "textml.cli.main"]


def textml_keys(*args: str, file: Path) -> str:
    done = subprocess.run([*TEXTML, "keys", *args, "--file", str(file)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def new_key(name: str, file: Path, *limits: str) -> str:
    return textml_keys("create", name, *limits, file=file).splitlines()[-1]


@pytest.fixture(scope="module")
def keys_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("keys") / "keys.yaml"


@pytest.fixture(scope="module")
def keys(keys_file) -> dict[str, str]:
    return {
        "open": new_key("open", keys_file),
        "sixty": new_key("sixty", keys_file, "--requests-per-minute", "60"),
        "chars": new_key("chars", keys_file, "--characters-per-minute", "100"),
        "gone": new_key("gone", keys_file),
    }


@pytest.fixture(scope="module")
def guarded(cluster, base_config, keys, keys_file):
    """text_ml_app with the keys file, two ingress replicas, and quotas in the cluster's Redis (db 1)."""
    config = changed(base_config, TEXT_ML, "Translator", num_replicas=2)
    app = application(config, TEXT_ML)
    env = {"TEXTML_API_KEYS_FILE": str(keys_file)}
    if cluster.redis_url:
        env["TEXTML_QUOTA_STORAGE"] = f"{cluster.redis_url}/1"
    app["runtime_env"] = copy.deepcopy(app.get("runtime_env", {}))
    app["runtime_env"]["env_vars"] = {**app["runtime_env"].get("env_vars", {}), **env}
    cluster.deploy(config)
    yield cluster
    cluster.deploy(base_config)


def translate(headers=None, text=TEXT, **body) -> requests.Response:
    return requests.post(
        f"{API}/translate", json={"text": text, "language": "de", **body}, headers=headers or {}, timeout=60
    )


def test_every_way_of_sending_a_key_is_taken(guarded, keys):
    key = keys["open"]
    assert translate({"Authorization": f"Bearer {key}"}).status_code == 200
    assert translate({"X-API-Key": key}).status_code == 200
    libretranslate = LibreTranslateAPI(f"{API}/libretranslate", api_key=key)
    assert libretranslate.translate(TEXT, "en", "de") == translate({"X-API-Key": key}).json()["translation"]
    assert requests.get(f"{API}/libretranslate/frontend/settings").json()["keyRequired"] is True
    translator = deepl.Translator(key, server_url=f"{API}/deepl/", send_platform_info=False)
    assert translator.translate_text(TEXT, target_lang="DE").text == translate({"X-API-Key": key}).json()["translation"]
    with grpc.insecure_channel(f"{HOST}:{GRPC_PORT}") as channel:
        metadata = (("application", TEXT_ML), ("authorization", f"Bearer {key}"))
        reply = TextMLStub(channel).Translate(messages.TranslateRequest(text=TEXT, language="de"), metadata=metadata)
        assert reply.translation


def test_missing_and_unknown_keys_are_refused_in_each_apis_words(guarded, keys):
    for headers in ({}, {"Authorization": "Bearer tml_not-a-key"}):
        refused = translate(headers)
        assert refused.status_code == 401 and "API key" in refused.json()["error"]
        assert "tml_not-a-key" not in refused.text
    refused = requests.post(f"{API}/libretranslate/translate", data={"q": TEXT, "source": "en", "target": "de"})
    assert refused.status_code == 403 and "API key" in refused.json()["error"]
    with pytest.raises(deepl.AuthorizationException):
        deepl.Translator("tml_wrong", server_url=f"{API}/deepl/", send_platform_info=False).translate_text(
            TEXT, target_lang="DE"
        )
    with grpc.insecure_channel(f"{HOST}:{GRPC_PORT}") as channel:
        with pytest.raises(grpc.RpcError) as raised:
            TextMLStub(channel).Languages(messages.LanguagesRequest(), metadata=(("application", TEXT_ML),))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # The documentation answers without a key.
    assert requests.get(f"{API}/openapi.json", timeout=30).status_code == 200
    assert requests.get(f"{API}/docs", timeout=30).status_code == 200


def test_files_need_a_key_to_upload_and_their_id_to_be_fetched_from_either_replica(guarded, keys):
    page = requests.get(f"{API}/", timeout=30)
    assert page.status_code == 200 and 'id="api-key"' in page.text, "the page answers without a key"
    upload = {"file": ("talk.txt", f"{TEXT}\n".encode())}
    refused = requests.post(f"{API}/documents", files=upload, data={"language": "de"}, timeout=30)
    assert refused.status_code == 401 and "API key" in refused.json()["error"]
    over = requests.post(
        f"{API}/documents", files={"file": ("big.txt", b"x" * 150)}, headers={"X-API-Key": keys["chars"]}, timeout=30
    )
    assert over.status_code == 413 and "characters" in over.json()["error"], "a file over a quota: refused at once"
    job = requests.post(
        f"{API}/documents", files=upload, data={"language": "de"}, headers={"X-API-Key": keys["open"]}, timeout=30
    ).json()
    # Two ingress replicas: the status and the result answer from either, without a key (the id is the capability).
    seconds_until(
        lambda: requests.get(f"{API}/documents/{job['id']}", timeout=30).json()["status"] == "done", 60, "the job"
    )
    answers = [requests.get(f"{API}/documents/{job['id']}/result", timeout=30) for _ in range(8)]
    assert {answer.status_code for answer in answers} == {200}
    assert answers[0].text == f"{translate({'X-API-Key': keys['open']}).json()['translation']}\n"


def test_a_quota_holds_across_two_replicas(guarded, keys):
    """60 requests a minute: of 90 sent at once, at most 66 pass (each replica would pass 60 on its own)."""
    if not guarded.redis_url:
        pytest.skip("redis-server is not installed: the replicas have no shared store")
    headers = {"X-API-Key": keys["sixty"]}
    answers = [requests.get(f"{API}/languages", headers=headers, timeout=30) for _ in range(90)]
    passed = sum(answer.status_code == 200 for answer in answers)
    refused = [answer for answer in answers if answer.status_code == 429]
    print(f"60 requests a minute over two replicas: {passed} of 90 passed, {len(refused)} refused (429)")
    assert 60 <= passed <= 66 and passed + len(refused) == 90, [a.status_code for a in answers]
    assert 1 <= int(refused[0].headers["Retry-After"]) <= 60
    assert "key 'sixty' is over its 60 requests a minute" in refused[0].json()["error"]


def test_characters_are_counted_and_deepl_hears_456(guarded, keys):
    headers = {"X-API-Key": keys["chars"]}
    assert translate(headers, text="x" * 60).status_code == 200
    over = translate(headers, text="y" * 60)
    assert over.status_code == 429 and "characters" in over.json()["error"] and over.headers["Retry-After"]
    deepl_over = requests.post(
        f"{API}/deepl/v2/translate",
        json={"text": ["z" * 50], "target_lang": "DE"},
        headers={"Authorization": f"DeepL-Auth-Key {keys['chars']}"},
        timeout=30,
    )
    assert deepl_over.status_code == 456 and "characters" in deepl_over.json()["message"]
    usage = requests.get(f"{API}/deepl/v2/usage", headers={"Authorization": f"DeepL-Auth-Key {keys['chars']}"})
    assert usage.json() == {"character_count": 60, "character_limit": 100}


def test_keys_made_and_revoked_apply_without_a_restart(guarded, keys, keys_file):
    later = new_key("later", keys_file)
    seconds_until(lambda: translate({"X-API-Key": later}).status_code == 200, 30, "a new key admitted")
    textml_keys("revoke", "gone", file=keys_file)
    seconds_until(lambda: translate({"X-API-Key": keys["gone"]}).status_code == 401, 30, "a revoked key refused")


def test_usage_by_key_name_in_metrics_and_no_key_in_any_log(guarded, keys):
    assert settled(lambda: total(scrape(), "ray_textml_api_key_requests_total", key="open")) >= 3
    assert total(scrape(), "ray_textml_api_key_characters_total", key="chars") >= 60
    time.sleep(2)  # the replicas' last lines reach their files
    logs = [path for path in Path("/tmp/ray/session_latest/logs").rglob("*") if path.is_file()]
    assert logs
    for path in logs:
        content = path.read_bytes()
        for name, key in keys.items():
            assert key.encode() not in content, f"the key {name!r} is in {path}"
