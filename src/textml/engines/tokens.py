"""What both engines do with the checkpoint's tokenizer: count tokens, put in the language tokens a task asks
for, and refuse an input too long for the model rather than cut it."""

import threading

from textml.engines.families import MAX_INPUT_TOKENS, PLAIN, Family, Task, family_of


class TokenizedEngine:
    tokenizer = None  # the checkpoint's Hugging Face tokenizer, set by the engine
    family: Family  # how the checkpoint is asked for a task (engines/families.py), set by the engine
    # A replica tokenizes from two threads (a batch's decode, a document's segmentation); Hugging Face's
    # fast tokenizers are not safe to share between threads.
    _tokenizer_lock = threading.Lock()

    def _set_family(self, config):
        self.family = family_of(config, self.tokenizer)

    def task(self, name: str) -> Task:
        """The checkpoint's prefix, language tokens and decoding defaults for a task such as 'summarization'
        or 'translation_en_to_de'; a TaskNotServed naming why it can't do it."""
        return self.family.task(name)

    def pairs(self) -> set[tuple[str, str]] | None:
        return self.family.pairs()

    @property
    def input_window(self) -> int:
        window = getattr(self.tokenizer, "model_max_length", None)
        # Tokenizers that name no window say "very large".
        return window if isinstance(window, int) and 0 < window < 1_000_000 else MAX_INPUT_TOKENS

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens of each text as an input, the tokenizer's own special tokens included (a language token
        takes the place of another special token: the count is the same)."""
        with self._tokenizer_lock:
            return [len(ids) for ids in self.tokenizer(texts).input_ids]

    def encoded(self, texts: list[str], task: Task = PLAIN) -> list[list[int]]:
        """Token ids of each text, after the task's source language token where it has one; a ValueError for
        one over the input window (callers split texts first)."""
        with self._tokenizer_lock:
            if task.source_token:
                language = self.tokenizer.convert_tokens_to_ids(task.source_token)
                bare = self.tokenizer(texts, add_special_tokens=False).input_ids
                ids = [[language, *text, self.tokenizer.eos_token_id] for text in bare]
            else:
                ids = self.tokenizer(texts).input_ids
        longest = max(map(len, ids), default=0)
        if longest > self.input_window:
            raise ValueError(f"an input of {longest} tokens exceeds the model's window of {self.input_window}")
        return ids
