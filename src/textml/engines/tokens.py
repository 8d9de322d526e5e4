"""What both engines do with the checkpoint's tokenizer: count tokens, and refuse an input too long for the
model rather than cut it."""

import threading

from textml.engines.t5 import MAX_INPUT_TOKENS


class TokenizedEngine:
    tokenizer = None  # the checkpoint's Hugging Face tokenizer, set by the engine
    # A replica tokenizes from two threads (a batch's decode, a document's segmentation); Hugging Face's
    # fast tokenizers are not safe to share between threads.
    _tokenizer_lock = threading.Lock()

    @property
    def input_window(self) -> int:
        window = getattr(self.tokenizer, "model_max_length", None)
        # Tokenizers that name no window say "very large".
        return window if isinstance(window, int) and 0 < window < 1_000_000 else MAX_INPUT_TOKENS

    def count_tokens(self, texts: list[str]) -> list[int]:
        with self._tokenizer_lock:
            return [len(ids) for ids in self.tokenizer(texts).input_ids]

    def encoded(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text; a ValueError for one over the input window (callers split texts first)."""
        with self._tokenizer_lock:
            ids = self.tokenizer(texts).input_ids
        longest = max(map(len, ids), default=0)
        if longest > self.input_window:
            raise ValueError(f"an input of {longest} tokens exceeds the model's window of {self.input_window}")
        return ids
