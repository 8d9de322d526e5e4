"""A client for a running text_ml_app: `textml translate` and `textml summarize`, or from Python:

from textml import client
client.translate_document("http://127.0.0.1:8000/summarize_translate", open("article.txt").read())
client.translate_file("http://127.0.0.1:8000/summarize_translate", "talk.docx", "german")  # (bytes, "talk.de.docx")
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import requests

from textml.documents.segmentation import blocks

DEFAULT_URL = os.environ.get("TEXTML_URL", "http://127.0.0.1:8000/summarize_translate")
# A long text is sent for translation in pieces of whole paragraphs of about this many characters, a few at
# once: the answer is the same as for the whole text (each sentence is translated on its own), there is
# progress to show, and a text may be longer than the service takes in one request.
PIECE_CHARS = 10_000
PIECES_AT_ONCE = 4
# 503 (busy, or a replica lost with its node) and a refused connection are worth another try: after the
# answer's Retry-After (or a short pause, doubling), for at most this long in all.
RETRY_BUDGET_S = 30


class ClientError(Exception):
    """The service could not be reached, or refused the request: one line saying which."""


def post(
    url: str, body, timeout_s: float, retry_budget_s: float = RETRY_BUDGET_S, session: Optional[requests.Session] = None
) -> requests.Response:
    """POSTs `body` as JSON; a 503 or a connection error is tried again while `retry_budget_s` lasts."""
    session = session or requests.Session()
    give_up, pause_s = time.monotonic() + retry_budget_s, 0.25
    while True:
        try:
            response = session.post(url, json=body, timeout=timeout_s)
            if response.status_code != 503:
                return response
            failure, wait_s = response, float(response.headers.get("Retry-After") or pause_s)
        except requests.ConnectionError as error:
            failure, wait_s = error, pause_s
        if time.monotonic() + wait_s > give_up:
            if isinstance(failure, Exception):
                raise failure
            return failure
        time.sleep(wait_s)
        pause_s = min(2 * pause_s, 2)


def call(url: str, route: str, body: dict, timeout_s: float = 600) -> dict:
    target = f"{url.rstrip('/')}{route}"
    try:
        response = post(target, body, timeout_s)
    except requests.ConnectionError:
        raise ClientError(f"nothing answers at {target}: start the service with `textml up`, or pass --url") from None
    except requests.Timeout:
        raise ClientError(f"no answer from {target} within {timeout_s:.0f} s") from None
    return answer_of(response, target)


def answer_of(response: requests.Response, target: str) -> dict:
    """A 2xx answer's JSON; ClientError with the service's message otherwise."""
    if not response.ok:
        try:
            message = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            message = response.text.strip()[:200] or response.reason
        raise ClientError(f"{response.status_code} from {target}: {message}")
    return response.json()


def _language(language: Optional[str], source: Optional[str] = None) -> dict:
    return {name: value for name, value in (("language", language), ("source", source)) if value}


def translate(url: str, text: str, language: Optional[str] = None, source: Optional[str] = None) -> dict:
    return call(url, "/translate", {"text": text, **_language(language, source)})


def pieces(text: str, size: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of consecutive runs of whole paragraphs of `text`, each about `size` characters."""
    runs: list[tuple[int, int]] = []
    for start, end in blocks(text):
        if runs and end - runs[-1][0] <= size:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def translate_document(
    url: str,
    text: str,
    language: Optional[str] = None,
    progress: Optional[Callable[[int], None]] = None,
    source: Optional[str] = None,
) -> dict:
    """The /translate answer for a text of any length, sent in pieces (PIECE_CHARS); `progress` is told how
    many characters of the text each finished piece accounts for (with the whitespace up to the next one: all
    of them add up to len(text))."""
    runs = pieces(text) or [(0, len(text))]  # a blank text: the service says why it refuses it
    bounds = [0, *(start for start, _ in runs[1:]), len(text)]
    shares = {run: end - start for run, start, end in zip(runs, bounds[:-1], bounds[1:], strict=True)}

    def piece(run: tuple[int, int]) -> dict:
        answer = translate(url, text[run[0] : run[1]], language, source)
        if progress:
            progress(shares[run])
        return answer

    with ThreadPoolExecutor(PIECES_AT_ONCE) as pool:
        answers = list(pool.map(piece, runs))
    translation, segments = [], []
    for index, ((start, _), answer) in enumerate(zip(runs, answers, strict=True)):
        if index:  # what separates the paragraphs, as it is in the text
            translation.append(text[runs[index - 1][1] : start])
        translation.append(answer["translation"])
        segments += [{**s, "start": s["start"] + start, "end": s["end"] + start} for s in answer["segments"]]
    first = answers[0] if answers else {"language": language, "source": source, "pivot": None}
    return {
        "translation": "".join(translation),
        **{field: first[field] for field in ("language", "source", "pivot")},
        "segments": segments,
    }


def summarize(url: str, text: str, min_length: Optional[int] = None, max_length: Optional[int] = None) -> dict:
    lengths = {k: v for k, v in (("min_length", min_length), ("max_length", max_length)) if v is not None}
    return call(url, "/summarize", {"text": text, **lengths})


def summarize_translate(url: str, text: str, language: Optional[str] = None, source: Optional[str] = None) -> dict:
    return call(url, "/summarize-translate", {"text": text, **_language(language, source)})


# A file job's status is asked this often while it runs.
POLL_S = 0.5


def translate_file(
    url: str,
    path: str,
    language: Optional[str] = None,
    source: Optional[str] = None,
    progress: Optional[Callable[[dict], None]] = None,
    timeout_s: float = 3600,
) -> tuple[bytes, str]:
    """A file translated by the service as a job (POST /documents, then its status until done): the translated
    file's bytes and name. `progress` is told each status (its `progress` goes from 0 to 1)."""
    base = url.rstrip("/")
    fields = {name: value for name, value in (("language", language), ("source", source)) if value}
    try:
        with open(path, "rb") as file:
            response = requests.post(f"{base}/documents", files={"file": file}, data=fields, timeout=600)
        job = answer_of(response, f"{base}/documents")
        give_up = time.monotonic() + timeout_s
        while job["status"] not in ("done", "failed"):
            if progress:
                progress(job)
            if time.monotonic() > give_up:
                raise ClientError(f"the file was not translated within {timeout_s:.0f} s (job {job['id']})")
            time.sleep(POLL_S)
            job = answer_of(requests.get(f"{base}/documents/{job['id']}", timeout=60), f"{base}/documents")
        if job["status"] == "failed":
            raise ClientError(f"the file could not be translated: {job['error']}")
        if progress:
            progress(job)
        result = requests.get(f"{base}/documents/{job['id']}/result", timeout=600)
    except requests.ConnectionError:
        raise ClientError(f"nothing answers at {base}: start the service with `textml up`, or pass --url") from None
    if not result.ok:
        answer_of(result, f"{base}/documents/{job['id']}/result")
    return result.content, job["result_filename"]
