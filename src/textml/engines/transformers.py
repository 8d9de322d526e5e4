"""The reference engine: the Hugging Face tokenizer and `model.generate`, on PyTorch."""

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from textml.engines import Generated
from textml.engines.families import PLAIN, Task
from textml.engines.tokens import TokenizedEngine


class TransformersEngine(TokenizedEngine):
    def __init__(self, model: str, threads: int = 1):
        self.model = model
        # Ray starts replicas with OMP_NUM_THREADS=1; use the cores the replica reserved.
        torch.set_num_threads(threads)
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.network = AutoModelForSeq2SeqLM.from_pretrained(model).eval()
        self._set_family(self.network.config)

    def generate(
        self, texts: list[str], max_batch_tokens: int | None = None, task: Task = PLAIN, **decoding
    ) -> Generated:
        """Decodes the batch as one (max_batch_tokens is CTranslate2's: ignored here)."""
        inputs = self.tokenizer.pad({"input_ids": self.encoded(texts, task)}, return_tensors="pt")
        if task.target_token:  # the target language (NLLB, M2M100), <s> (BART)
            decoding = {**decoding, "forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(task.target_token)}
        with torch.inference_mode():
            output_ids = self.network.generate(**inputs, **decoding)
        # Every row starts with the decoder start token; shorter rows are padded.
        generated = int((output_ids[:, 1:] != self.tokenizer.pad_token_id).sum())
        return Generated(self.tokenizer.batch_decode(output_ids, skip_special_tokens=True), tokens=generated)
