"""The reference engine: the Hugging Face tokenizer and `model.generate`, on PyTorch."""

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from textml.t5 import Task, task_from_config

# T5 was trained on inputs of 512 tokens; longer ones are truncated rather than refused.
MAX_INPUT_TOKENS = 512


class TransformersEngine:
    def __init__(self, model: str):
        self.model = model
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.network = AutoModelForSeq2SeqLM.from_pretrained(model).eval()

    def task(self, name: str) -> Task:
        return task_from_config(self.network.config.task_specific_params, name)

    def generate(self, texts: list[str], **decoding) -> list[str]:
        inputs = self.tokenizer(
            texts, return_tensors="pt", padding=True, truncation=True, max_length=MAX_INPUT_TOKENS
        )
        with torch.inference_mode():
            output_ids = self.network.generate(**inputs, **decoding)
        return self.tokenizer.batch_decode(output_ids, skip_special_tokens=True)
