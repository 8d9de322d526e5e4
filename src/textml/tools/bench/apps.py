"""The baselines the benchmark deploys beside text_ml_app, as Serve application builders (import path +
args in the benchmark's Serve config), each decoding exactly what its workload says:

(b) naive: transformers called from an async handler, so requests run one at a time, as the textbook Ray
    Serve app does (given 2 threads, which the textbook app does not ask for: the comparison flatters it);
(s) the seed's text_ml.py: Summarizer (the ingress) calls Translator through a handle, each one request at a
    time, each on transformers with the checkpoint's own settings for its task (what its pipelines did:
    transformers 5 has no summarization or translation pipeline), 1 replica each.
"""

from ray import serve
from starlette.requests import Request

from textml.tools.bench.workloads import GREEDY, SEED, TRANSLATION


class Checkpoint:
    """A checkpoint on transformers, decoding one prompt at a time with the checkpoint's task settings."""

    def __init__(self, model: str, threads: int = 1):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        torch.set_num_threads(threads)
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.network = AutoModelForSeq2SeqLM.from_pretrained(model).eval()

    def generate(self, task: str, text: str, **decoding) -> str:
        import torch

        params = dict(self.network.config.task_specific_params[task])
        inputs = self.tokenizer([params.pop("prefix") + text], return_tensors="pt")
        with torch.inference_mode():
            output = self.network.generate(**inputs, **{**params, **decoding})
        return self.tokenizer.decode(output[0], skip_special_tokens=True)


@serve.deployment(ray_actor_options={"num_cpus": 2})
class NaiveTranslator:
    def __init__(self, model: str):
        self.checkpoint = Checkpoint(model, threads=2)

    async def __call__(self, request: Request) -> str:
        [(task, decoding)] = GREEDY.decodes
        return self.checkpoint.generate(task, await request.json(), **decoding)


def naive_app(args: dict):
    return NaiveTranslator.bind(args["model"])


@serve.deployment
class SeedTranslator:
    def __init__(self, model: str):
        self.checkpoint = Checkpoint(model)

    def translate(self, text: str) -> str:
        return self.checkpoint.generate(TRANSLATION, text, **dict(SEED.decodes)[TRANSLATION])


@serve.deployment
class SeedSummarizer:
    def __init__(self, translator, model: str):
        self.checkpoint = Checkpoint(model)
        self.translator = translator

    def summarize(self, text: str) -> str:
        return self.checkpoint.generate("summarization", text, **dict(SEED.decodes)["summarization"])

    async def __call__(self, request: Request) -> str:
        summary = self.summarize(await request.json())
        return await self.translator.translate.remote(summary)


def seed_app(args: dict):
    return SeedSummarizer.bind(SeedTranslator.bind(args["model"]), args["model"])
