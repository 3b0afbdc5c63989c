"""One `generate` call for a batch of chat prompts, each answer bounded three ways:

- it follows its JSON schema token by token: llguidance turns the schema into a grammar and masks every
  token that would leave it (SchemaMask). llguidance, because it is the constrained decoder vLLM, SGLang
  and llama.cpp use, computes a mask in microseconds without compiling the schema ahead (so caps such as
  maxLength: 1200 cost nothing), covers JSON Schema widely (enum, anyOf, $ref, min/maxItems) and is one
  small wheel with no dependencies;
- it stops at the end of its JSON (the grammar is complete, or in JSON mode the outermost object closed);
- it stops when its caller gives up (a timeout, or the client closing), so no thread generates for no one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import llguidance
import llguidance.hf
import numpy as np
import torch
from transformers import LogitsProcessor, PreTrainedModel, PreTrainedTokenizerBase, StoppingCriteria

from movieagent.llm.client import ChatReply

# llguidance's JSON options: no free whitespace (a small model could fill its whole budget with newlines),
# and schema keywords it does not know (a path's 'format') are ignored rather than refused.
JSON_OPTIONS: Any = {"whitespace_flexible": False, "lenient": True}


@dataclass
class Row:
    """One prompt of a batch: already through the chat template; `grammar` from `schema_grammar`, or None."""

    prompt: str
    max_tokens: int
    grammar: str | None = None
    json_only: bool = False  # without a grammar: stop when the outermost JSON object closes
    cancelled: threading.Event = field(default_factory=threading.Event)


def schema_grammar(schema: dict[str, Any]) -> str:
    return llguidance.LLMatcher.grammar_from_json_schema(schema, defaults=JSON_OPTIONS)


def grammar_error(tokenizer: llguidance.LLTokenizer, grammar: str) -> str:
    """Why llguidance cannot use `grammar` ('' when it can)."""
    return llguidance.LLMatcher.validate_grammar(grammar, tokenizer)


def guidance_tokenizer(tokenizer: PreTrainedTokenizerBase, vocab_size: int) -> llguidance.LLTokenizer:
    """llguidance's view of the tokenizer, with a mask as wide as the model's output (which may exceed the vocabulary)."""
    return llguidance.hf.from_tokenizer(tokenizer, n_vocab=vocab_size)  # type: ignore[arg-type]


def generate_replies(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: list[Row],
    *,
    temperature: float,
    guidance: llguidance.LLTokenizer | None = None,
) -> list[ChatReply]:
    """One padded `generate` call; temperature 0 is greedy. Rows with a grammar need `guidance`.

    finish_reason is 'stop' for an answer that ended (its end-of-turn token, its grammar or its JSON
    object complete), 'length' for one cut off at its `max_tokens`, 'cancelled' for one its caller gave up on.
    """
    # 1. Tokenize (the chat template already wrote the special tokens it wants) and set up the bounds.
    inputs = tokenizer([row.prompt for row in rows], return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    ends = end_token_ids(model, tokenizer)
    matchers = [llguidance.LLMatcher(guidance, row.grammar) if row.grammar and guidance else None for row in rows]
    finished = Finished(rows, matchers, tokenizer, ends)
    # Sampling takes the temperature only: a top-k cut before the schema mask could leave no allowed token.
    sampling: dict[str, Any] = (
        {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0} if temperature > 0 else {"do_sample": False}
    )
    processors = [SchemaMask(matchers, finished, min(ends))] if any(matchers) else []

    # 2. Generate.
    with torch.no_grad():
        output = model.generate(
            **inputs,
            max_new_tokens=max(row.max_tokens for row in rows),
            pad_token_id=tokenizer.pad_token_id,
            logits_processor=processors,
            stopping_criteria=[finished],
            **sampling,
        )

    # 3. Cut each answer at its end, decode, count.
    prompt_length = inputs["input_ids"].shape[1]
    replies = []
    for index, (generated, mask) in enumerate(zip(output[:, prompt_length:].tolist(), inputs["attention_mask"], strict=True)):
        row = rows[index]
        generated = generated[: finished.length[index] or row.max_tokens]
        end = next((position for position, token in enumerate(generated) if token in ends), None)
        answer = generated if end is None else generated[:end]
        if row.cancelled.is_set():
            reason = "cancelled"
        elif end is None and finished.length[index] is None and len(generated) >= row.max_tokens:
            reason = "length"
        else:
            reason = "stop"
        replies.append(
            ChatReply(
                content=tokenizer.decode(answer, skip_special_tokens=True),
                finish_reason=reason,
                prompt_tokens=int(mask.sum()),
                completion_tokens=len(answer) + (end is not None),
            )
        )
    return replies


def end_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    # Chat models often end a turn with their own token (<|im_end|>, <|eot_id|>), listed in the generation config.
    configured = model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    return ids | ({tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set())


class Finished(StoppingCriteria):
    """Decides, after each new token, which rows are done; feeds each token to its row's grammar on the way.

    `length[row]` is the answer's length in tokens once its JSON is complete (None while it is not).
    """

    def __init__(
        self, rows: list[Row], matchers: list[llguidance.LLMatcher | None], tokenizer: PreTrainedTokenizerBase, ends: set[int]
    ):
        self._rows = rows
        self._matchers = matchers
        self._tokenizer = tokenizer
        self._ends = ends
        self._objects = [_JsonEnd() for _ in rows]
        self._done = [False] * len(rows)
        self._generated = 0
        self.length: list[int | None] = [None] * len(rows)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
        self._generated += 1
        for index, row in enumerate(self._rows):
            if self._done[index]:
                continue
            token = int(input_ids[index, -1])
            matcher = self._matchers[index]
            if row.cancelled.is_set() or token in self._ends or self._generated >= row.max_tokens:
                self._done[index] = True
            elif matcher is not None:
                matcher.consume_token(token)
                if matcher.is_stopped():  # the JSON is complete (or the grammar failed: validation will say so)
                    self._done[index], self.length[index] = True, self._generated
            elif row.json_only and self._objects[index].feed(self._tokenizer.decode([token])):
                self._done[index], self.length[index] = True, self._generated
        return torch.tensor(self._done, dtype=torch.bool, device=input_ids.device)

    def is_done(self, index: int) -> bool:
        return self._done[index]


class SchemaMask(LogitsProcessor):
    """Sets to -inf, for each row with a grammar, every token its grammar does not allow next."""

    def __init__(self, matchers: list[llguidance.LLMatcher | None], finished: Finished, eos: int):
        self._matchers = matchers
        self._finished = finished
        self._eos = eos
        self._words: torch.Tensor | None = None

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        vocab = scores.shape[1]
        if self._words is None:
            self._words = torch.zeros((vocab + 31) // 32, dtype=torch.int32)
        for index, matcher in enumerate(self._matchers):
            if matcher is None or self._finished.is_done(index):
                continue
            if matcher.is_stopped():
                allowed = torch.zeros(vocab, dtype=torch.bool)
                allowed[self._eos] = True
            else:
                matcher.unsafe_compute_mask_ptr(self._words.data_ptr(), self._words.numel() * 4)
                bits = np.unpackbits(self._words.numpy().view(np.uint8), bitorder="little")[:vocab]
                allowed = torch.from_numpy(bits.astype(bool))
            scores[index, ~allowed.to(scores.device)] = float("-inf")
        return scores


class _JsonEnd:
    """Follows the text of a reply and says when its first JSON object has closed (braces inside strings don't count)."""

    def __init__(self) -> None:
        self._depth = 0
        self._in_string = False
        self._escaped = False

    def feed(self, text: str) -> bool:
        for char in text:
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif char == "\\":
                    self._escaped = True
                elif char == '"':
                    self._in_string = False
            elif char == '"' and self._depth:
                self._in_string = True
            elif char == "{":
                self._depth += 1
            elif char == "}" and self._depth:
                self._depth -= 1
                if not self._depth:
                    return True
        return False
