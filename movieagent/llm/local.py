"""A chat model running in this process with transformers: the local counterpart of ChatClient.

The planning graph asks from many threads at once (one per scene). Each `complete` call queues its
request and waits; one worker thread answers the queue in micro-batches: the oldest request and up to
`max_batch_size - 1` others with the same sampling settings, gathered for at most `batch_wait_s`, go
through the model's chat template and one left-padded `generate` call together.

The model loads once, on the first call: building a crew loads nothing.
There is no server-side JSON schema here: JSON mode means the answer is cut to its outermost {...},
and validation and repair prompts (movieagent.llm.structured) do the rest.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from movieagent.errors import InputError
from movieagent.llm.client import ChatReply, ChatRequest, Message
from movieagent.llm.retry import PROBLEM_CHARS, CallFailed


@dataclass(frozen=True)
class BatchStats:
    """How the requests were batched: `requests` answered in `batches` calls of `generate`."""

    batches: int = 0
    requests: int = 0
    largest_batch: int = 0


@dataclass(eq=False)
class _Pending:
    request: ChatRequest
    queued_at: float = field(default_factory=time.monotonic)
    future: Future[ChatReply] = field(default_factory=Future)


class LocalChatClient:
    """One causal language model (a save_pretrained folder or a cached Hugging Face id), shared by all threads.

    `device` is a torch device ('cpu', 'cuda', 'cuda:1'); `dtype` the weights' precision, a torch dtype's name.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        max_batch_size: int = 8,
        batch_wait_s: float = 0.05,
    ):
        self.model = model
        self.device = device
        self.dtype = dtype
        self.max_batch_size = max_batch_size
        self.batch_wait_s = batch_wait_s
        self.stats = BatchStats()
        self._loaded: tuple[PreTrainedModel, PreTrainedTokenizerBase] | None = None
        self._load_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._queue_changed = threading.Condition()
        self._closed = False
        self._worker: threading.Thread | None = None

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply:
        """The model's answer to one request, generated in a batch with whatever else is waiting.

        `request.model` is recorded, not used: the client has one model. Raises InputError when the
        model cannot be loaded, CallFailed when no answer comes within `timeout_s` or generation fails.
        """
        self._start()
        pending = _Pending(request)
        with self._queue_changed:
            if self._closed:
                raise CallFailed("the local model was closed")
            self._queue.append(pending)
            self._queue_changed.notify_all()
        try:
            return pending.future.result(timeout=timeout_s)
        except TimeoutError:
            pending.future.cancel()  # still queued: it will not be generated
            raise CallFailed(
                f"no answer from the local model within {timeout_s:.1f} s",
                fix="raise timeout_s, lower max_tokens, or run the model on a GPU (device: cuda, dtype: bfloat16)",
            ) from None

    def close(self) -> None:
        """Answers what is queued, then stops the worker; later calls fail."""
        with self._queue_changed:
            self._closed = True
            self._queue_changed.notify_all()
        if self._worker:
            self._worker.join()

    # ----------------------------------------------------------------------------------------- loading

    def _start(self) -> None:
        with self._load_lock:
            if self._loaded is None:
                self._loaded = self._load()
                self._worker = threading.Thread(target=self._serve, name=f"local-llm {self.model}", daemon=True)
                self._worker.start()

    def _load(self) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise InputError(
                f"the local model should run on '{self.device}', but torch sees no CUDA GPU here",
                fix="set the crew's device to cpu, or install a CUDA build of torch",
            )
        if self.model.startswith(("/", ".")) and not Path(self.model).is_dir():
            raise InputError(f"there is no model folder at {self.model}", fix="give the folder that save_pretrained wrote")
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model)
            model = AutoModelForCausalLM.from_pretrained(self.model, dtype=getattr(torch, self.dtype))
        except (OSError, ValueError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputError(
                f"cannot load the local model '{self.model}': {first_line[:PROBLEM_CHARS]}",
                fix="give a folder written by save_pretrained (config, tokenizer, weights), "
                "or a Hugging Face id already in the cache (HF_HUB_OFFLINE=1 keeps it offline)",
            ) from None
        if not tokenizer.chat_template:
            raise InputError(
                f"the local model '{self.model}' has no chat template", fix="use an instruct (chat) version of the model"
            )
        # Left padding: every prompt of a batch ends at the same column, where generation starts.
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return model.to(self.device), tokenizer

    # ----------------------------------------------------------------------------------------- serving

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                self._answer(batch)

    def _next_batch(self) -> list[_Pending] | None:
        """The oldest request and up to max_batch_size - 1 alike; [] if all were given up; None once closed and empty."""
        with self._queue_changed:
            while not self._queue and not self._closed:
                self._queue_changed.wait()
            if not self._queue:
                return None
            ends = time.monotonic() + self.batch_wait_s
            while len(self._alike()) < self.max_batch_size and not self._closed and (left := ends - time.monotonic()) > 0:
                self._queue_changed.wait(left)
            batch = self._alike()[: self.max_batch_size]
            self._queue = [pending for pending in self._queue if pending not in batch]
        return [pending for pending in batch if pending.future.set_running_or_notify_cancel()]

    def _alike(self) -> list[_Pending]:
        """Queued requests that can share one `generate` call with the oldest one."""
        first = _sampling(self._queue[0].request)
        return [pending for pending in self._queue if _sampling(pending.request) == first]

    def _answer(self, batch: list[_Pending]) -> None:
        """Answers one batch. Every failure goes to the callers waiting on it: the worker itself never dies."""
        assert self._loaded is not None
        model, tokenizer = self._loaded
        # 1. Each conversation through the model's chat template; one that cannot be asked fails alone.
        context = getattr(model.config, "max_position_embeddings", None)
        prompts: list[tuple[_Pending, str]] = []
        for pending in batch:
            try:
                text = render_chat(tokenizer, pending.request.messages)
            except jinja2.TemplateError as error:
                problem = f"the chat template of '{self.model}' cannot render this conversation: {error}"
                pending.future.set_exception(CallFailed(problem[:PROBLEM_CHARS]))
                continue
            length = len(tokenizer(text, add_special_tokens=False)["input_ids"])
            if context and length >= context:
                problem = f"the prompt has {length} tokens, more than the {context} the model can read"
                pending.future.set_exception(CallFailed(problem, fix="use a model with a longer context, or a shorter script"))
                continue
            prompts.append((pending, text))
        if not prompts:
            return

        # 2. Generate them together.
        temperature, max_tokens = _sampling(prompts[0][0].request)  # the same for the whole batch
        try:
            replies = generate_replies(
                model, tokenizer, [text for _, text in prompts], temperature=temperature, max_tokens=max_tokens
            )
        except Exception as error:  # noqa: BLE001 - it belongs to the callers, who would otherwise wait out their timeouts
            failure = error
            if isinstance(error, RuntimeError):  # torch: out of memory, a device error; the same batch would fail again
                failure = CallFailed(
                    f"the local model failed: {error}"[:PROBLEM_CHARS],
                    fix="lower max_batch_size or max_tokens, or use a smaller dtype (bfloat16)",
                )
            for pending, _ in prompts:
                pending.future.set_exception(failure)
            return

        # 3. Hand each caller its reply.
        done = time.monotonic()
        for (pending, _), reply in zip(prompts, replies, strict=True):
            content = _json_object(reply.content) if pending.request.response_format else reply.content
            latency_s = round(done - pending.queued_at, 4)
            pending.future.set_result(reply.model_copy(update={"content": content, "model": self.model, "latency_s": latency_s}))
        stats = self.stats
        self.stats = BatchStats(stats.batches + 1, stats.requests + len(prompts), max(stats.largest_batch, len(prompts)))


def render_chat(tokenizer: PreTrainedTokenizerBase, messages: list[Message]) -> str:
    """The conversation as the model was trained to read it, ending where the assistant's answer begins."""
    try:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    except jinja2.TemplateError:
        if len(messages) < 2 or messages[0]["role"] != "system":
            raise
        # Some templates (Gemma 2, early Mistral) refuse a system message: it opens the first user message instead.
        system, first, *rest = messages
        opening = {"role": first["role"], "content": f"{system['content']}\n\n{first['content']}"}
        return tokenizer.apply_chat_template([opening, *rest], tokenize=False, add_generation_prompt=True)


def generate_replies(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: list[str], *, temperature: float, max_tokens: int
) -> list[ChatReply]:
    """One padded `generate` call for prompts already through the chat template; temperature 0 is greedy.

    Each reply ends at its first end-of-turn token; a reply that never reached one was cut off ('length').
    """
    # 1. Tokenize: the chat template already wrote the special tokens it wants.
    inputs = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    sampling: dict[str, Any] = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    # 2. Generate.
    with torch.no_grad():
        output = model.generate(**inputs, max_new_tokens=max_tokens, pad_token_id=tokenizer.pad_token_id, **sampling)
    # 3. Cut each answer at its end, decode, count.
    prompt_length = inputs["input_ids"].shape[1]
    ends = _end_token_ids(model, tokenizer)
    replies = []
    for generated, mask in zip(output[:, prompt_length:].tolist(), inputs["attention_mask"], strict=True):
        end = next((index for index, token in enumerate(generated) if token in ends), None)
        answer = generated if end is None else generated[:end]
        replies.append(
            ChatReply(
                content=tokenizer.decode(answer, skip_special_tokens=True),
                finish_reason="length" if end is None and len(generated) >= max_tokens else "stop",
                prompt_tokens=int(mask.sum()),
                completion_tokens=len(answer) + (end is not None),
            )
        )
    return replies


def _end_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> set[int]:
    # Chat models often end a turn with their own token (<|im_end|>, <|eot_id|>), listed in the generation config.
    configured = model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    return ids | ({tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set())


def _sampling(request: ChatRequest) -> tuple[float, int]:
    return request.temperature, request.max_tokens


def _json_object(text: str) -> str:
    """JSON mode without a grammar: the outermost {...} of the answer, dropping any chatter around it."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text
