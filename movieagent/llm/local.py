"""A chat model running in this process with transformers: the local counterpart of ChatClient.

The planning graph asks from many threads at once (one per scene). Each `complete` call queues its
request and waits; one worker thread answers the queue in micro-batches: the oldest request and up to
`max_batch_size - 1` others with the same sampling settings, gathered for at most `batch_wait_s`, go
through the model's chat template and one left-padded `generate` call together (movieagent.llm.generation).

The model loads once, on the first call: building a crew loads nothing. An answer asked for as JSON
follows its schema token by token (`constrained`), or without it is cut to its outermost {...}; either
way generation stops at the end of the JSON. A caller that stops waiting (its timeout) stops its row of
the batch, and `close()` (also run at exit) stops the worker before the interpreter goes, so no thread is
left inside torch when the process ends.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from movieagent.errors import InputError
from movieagent.llm.client import ChatReply, ChatRequest, Message
from movieagent.llm.generation import Row, generate_replies, grammar_error, guidance_tokenizer, schema_grammar
from movieagent.llm.retry import PROBLEM_CHARS, CallFailed

log = logging.getLogger(__name__)

# How long close() waits for the answer being generated to notice it was cancelled (one forward pass, at most).
CLOSE_WAIT_S = 60.0
# A request whose caller gives up sooner than this is not started: reading its prompt alone takes longer on a CPU.
MIN_START_S = 1.0
_SPEED_PROMPT: list[Message] = [{"role": "user", "content": "Count from one to twenty in words."}]


@dataclass(frozen=True)
class BatchStats:
    """How the requests were batched: `requests` answered in `batches` calls of `generate`."""

    batches: int = 0
    requests: int = 0
    largest_batch: int = 0
    new_tokens: int = 0
    generate_s: float = 0.0


@dataclass(eq=False)
class _Pending:
    request: ChatRequest
    deadline: float
    queued_at: float = field(default_factory=time.monotonic)
    future: Future[ChatReply] = field(default_factory=Future)
    cancelled: threading.Event = field(default_factory=threading.Event)


class LocalChatClient:
    """One causal language model (a save_pretrained folder or a cached Hugging Face id), shared by all threads.

    `device` is a torch device ('cpu', 'cuda', 'cuda:1') or 'auto' (a GPU when torch sees one); `dtype` the
    weights' precision, a torch dtype's name, or 'auto' (bfloat16 on a GPU, float32 on a CPU);
    `threads` torch's CPU threads (None: its default); `constrained` decodes JSON answers against their schema.
    """

    def __init__(
        self,
        model: str,
        *,
        device: str = "auto",
        dtype: str = "auto",
        threads: int | None = None,
        constrained: bool = True,
        max_batch_size: int = 8,
        batch_wait_s: float = 0.05,
    ):
        self.model = model
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        self.dtype = ("bfloat16" if self.device.startswith("cuda") else "float32") if dtype == "auto" else dtype
        self.threads = threads
        self.constrained = constrained
        self.max_batch_size = max_batch_size
        self.batch_wait_s = batch_wait_s
        self.stats = BatchStats()
        self._tokenizer: PreTrainedTokenizerBase | None = None
        self._context: int | None = None
        self._loaded: PreTrainedModel | None = None
        self._guidance = None
        self._load_lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._running: list[_Pending] = []
        self._queue_changed = threading.Condition()
        self._closed = False
        self._worker: threading.Thread | None = None
        # Run at exit too: a worker left inside torch while the interpreter shuts down aborts the process.
        self._close_at_exit = _close_if_alive(weakref.ref(self))
        atexit.register(self._close_at_exit)

    # ----------------------------------------------------------------------------------------- ChatEndpoint

    @property
    def context_tokens(self) -> int | None:
        """The model's context window, from its config (the weights are not loaded for it)."""
        self._read_tokenizer()
        return self._context

    def count_tokens(self, messages: list[Message]) -> int:
        tokenizer = self._read_tokenizer()
        return len(tokenizer(render_chat(tokenizer, messages), add_special_tokens=False)["input_ids"])

    def tokens_per_second(self) -> float | None:
        """New tokens per second of one answer, measured on the first call (it loads the model)."""
        if self.stats.new_tokens < 16:
            self.complete(ChatRequest(model=self.model, messages=_SPEED_PROMPT, temperature=0.0, max_tokens=16), timeout_s=600)
        return self.stats.new_tokens / self.stats.generate_s if self.stats.generate_s else None

    def complete(self, request: ChatRequest, *, timeout_s: float) -> ChatReply:
        """The model's answer to one request, generated in a batch with whatever else is waiting.

        `request.model` is recorded, not used: the client has one model. Raises InputError when the
        model cannot be loaded, CallFailed when no answer comes within `timeout_s` or generation fails.
        """
        self._start()
        pending = _Pending(request, deadline=time.monotonic() + timeout_s)
        with self._queue_changed:
            if self._closed:
                raise CallFailed("the local model was closed")
            self._queue.append(pending)
            self._queue_changed.notify_all()
        try:
            return pending.future.result(timeout=timeout_s)
        except TimeoutError:
            generating = not pending.future.cancel()  # still queued: it will not be generated at all
            pending.cancelled.set()  # being generated: its row stops at the next token
            raise CallFailed(
                f"no answer from the local model within {timeout_s:.1f} s",
                fix="lower max_tokens, raise timeout_s and budget_s, or run the model on a GPU (device: cuda, dtype: bfloat16)",
                # Too slow while generating will be too slow again; waiting behind others in the queue may not be.
                lasting_s=timeout_s if generating else None,
            ) from None

    def close(self) -> None:
        """Drops what is queued, stops the answers being generated, stops the worker; later calls fail."""
        with self._queue_changed:
            self._closed = True
            for pending in [*self._queue, *self._running]:
                pending.future.cancel()
                pending.cancelled.set()
            self._queue_changed.notify_all()
        if self._worker and self._worker is not threading.current_thread():
            self._worker.join(CLOSE_WAIT_S)
        atexit.unregister(self._close_at_exit)

    # ----------------------------------------------------------------------------------------- loading

    def _read_tokenizer(self) -> PreTrainedTokenizerBase:
        with self._load_lock:
            if self._tokenizer is None:
                self._tokenizer, self._context = self._load_tokenizer()
            return self._tokenizer

    def _start(self) -> None:
        tokenizer = self._read_tokenizer()
        with self._load_lock:
            if self._loaded is None:
                self._loaded = self._load_model()
                if self.constrained:
                    self._guidance = guidance_tokenizer(tokenizer, self._loaded.config.vocab_size)
                self._worker = threading.Thread(target=self._serve, name=f"local-llm {self.model}", daemon=True)
                self._worker.start()

    def _load_tokenizer(self) -> tuple[PreTrainedTokenizerBase, int | None]:
        if self.model.startswith(("/", ".")) and not Path(self.model).is_dir():
            raise InputError(f"there is no model folder at {self.model}", fix="give the folder that save_pretrained wrote")
        with _as_input_error(self.model):
            tokenizer = AutoTokenizer.from_pretrained(self.model)
            config = AutoConfig.from_pretrained(self.model)
        if not tokenizer.chat_template:
            raise InputError(
                f"the local model '{self.model}' has no chat template", fix="use an instruct (chat) version of the model"
            )
        # Left padding: every prompt of a batch ends at the same column, where generation starts.
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer, getattr(config, "max_position_embeddings", None)

    def _load_model(self) -> PreTrainedModel:
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise InputError(
                f"the local model should run on '{self.device}', but torch sees no CUDA GPU here",
                fix="set the crew's device to cpu, or install a CUDA build of torch",
            )
        if self.threads:
            torch.set_num_threads(self.threads)
        started = time.perf_counter()
        with _as_input_error(self.model):
            model = AutoModelForCausalLM.from_pretrained(self.model, dtype=getattr(torch, self.dtype))
        log.info("local model %s loaded in %.1f s (%d threads)", self.model, time.perf_counter() - started, torch.get_num_threads())
        return model.to(self.device)

    # ----------------------------------------------------------------------------------------- serving

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                self._answer(batch)
                with self._queue_changed:
                    self._running = []

    def _next_batch(self) -> list[_Pending] | None:
        """The oldest request and up to max_batch_size - 1 alike; [] if all were given up; None once closed."""
        with self._queue_changed:
            while not self._queue and not self._closed:
                self._queue_changed.wait()
            if self._closed:
                return None
            ends = time.monotonic() + self.batch_wait_s
            while len(self._alike()) < self.max_batch_size and not self._closed and (left := ends - time.monotonic()) > 0:
                self._queue_changed.wait(left)
            batch = self._alike()[: self.max_batch_size]
            self._queue = [pending for pending in self._queue if pending not in batch]
            started = [pending for pending in batch if pending.future.set_running_or_notify_cancel()]
            now = time.monotonic()
            for late in [pending for pending in started if pending.deadline - now < MIN_START_S]:
                late.future.set_exception(CallFailed("the local model had no time left for this answer", fix="raise run_budget_s"))
            self._running = [pending for pending in started if pending.deadline - now >= MIN_START_S]
            return list(self._running)

    def _alike(self) -> list[_Pending]:
        """Queued requests that can share one `generate` call with the oldest one: those sampled alike."""
        first = self._queue[0].request.temperature
        return [pending for pending in self._queue if pending.request.temperature == first]

    def _answer(self, batch: list[_Pending]) -> None:
        """Answers one batch. Every failure goes to the callers waiting on it: the worker itself never dies."""
        assert self._loaded is not None and self._tokenizer is not None
        model, tokenizer = self._loaded, self._tokenizer
        # 1. Each conversation through the chat template, its schema into a grammar; one that fails, fails alone.
        rows: list[tuple[_Pending, Row]] = []
        longest = 0
        for pending in batch:
            try:
                row, length = self._row(pending)
            except CallFailed as failure:
                pending.future.set_exception(failure)
                continue
            rows.append((pending, row))
            longest = max(longest, length)
        if not rows:
            return

        # 2. Generate them together (each stops at its own max_tokens), leaving the longest prompt room within the context.
        if self._context:
            for _, row in rows:
                row.max_tokens = min(row.max_tokens, self._context - longest)
        started = time.perf_counter()
        try:
            replies = generate_replies(
                model, tokenizer, [row for _, row in rows], temperature=rows[0][0].request.temperature, guidance=self._guidance
            )
        except Exception as error:  # noqa: BLE001 - it belongs to the callers, who would otherwise wait out their timeouts
            failure = error
            if isinstance(error, RuntimeError):  # torch: out of memory, a device error; the same batch would fail again
                failure = CallFailed(
                    f"the local model failed: {error}"[:PROBLEM_CHARS],
                    fix="lower max_batch_size or max_tokens, or use a smaller dtype (bfloat16)",
                )
            for pending, _ in rows:
                pending.future.set_exception(failure)
            return
        self._count(replies, time.perf_counter() - started)

        # 3. Hand each caller its reply.
        done = time.monotonic()
        for (pending, row), reply in zip(rows, replies, strict=True):
            content = _json_object(reply.content) if row.json_only else reply.content
            latency_s = round(done - pending.queued_at, 4)
            pending.future.set_result(reply.model_copy(update={"content": content, "model": self.model, "latency_s": latency_s}))

    def _row(self, pending: _Pending) -> tuple[Row, int]:
        """The request as a row of a batch, and its prompt's length in tokens; CallFailed when it cannot be asked."""
        assert self._tokenizer is not None
        request = pending.request
        try:
            text = render_chat(self._tokenizer, request.messages)
        except jinja2.TemplateError as error:
            problem = f"the chat template of '{self.model}' cannot render this conversation: {error}"
            raise CallFailed(problem[:PROBLEM_CHARS], lasting_s=float("inf")) from None
        length = len(self._tokenizer(text, add_special_tokens=False)["input_ids"])
        if self._context and length >= self._context:
            raise CallFailed(
                f"the prompt has {length} tokens, more than the {self._context} the model can read",
                fix="use a model with a longer context",
                lasting_s=float("inf"),
            )
        grammar = None
        if request.output == "json_schema" and request.answer_schema and self._guidance is not None:
            grammar = schema_grammar(request.answer_schema)
            if problem := grammar_error(self._guidance, grammar):
                raise CallFailed(f"the answer's schema cannot be followed: {problem}"[:PROBLEM_CHARS], lasting_s=float("inf"))
        json_only = request.output != "text" and grammar is None
        row = Row(prompt=text, max_tokens=request.max_tokens, grammar=grammar, json_only=json_only, cancelled=pending.cancelled)
        return row, length

    def _count(self, replies: list[ChatReply], seconds: float) -> None:
        new_tokens = sum(reply.completion_tokens for reply in replies)
        log.info(
            "local model: %d answer(s), %d new tokens in %.1f s (%.1f tokens/s)",
            len(replies),
            new_tokens,
            seconds,
            new_tokens / seconds if seconds else 0.0,
        )
        stats = self.stats
        self.stats = BatchStats(
            stats.batches + 1,
            stats.requests + len(replies),
            max(stats.largest_batch, len(replies)),
            stats.new_tokens + new_tokens,
            stats.generate_s + seconds,
        )


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


@contextlib.contextmanager
def _as_input_error(model: str) -> Iterator[None]:
    """A failure to read the model's files becomes an InputError naming the model."""
    try:
        yield
    except (OSError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            f"cannot load the local model '{model}': {first_line[:PROBLEM_CHARS]}",
            fix="give a folder written by save_pretrained (config, tokenizer, weights), "
            "or a Hugging Face id already in the cache (HF_HUB_OFFLINE=1 keeps it offline)",
        ) from None


def _close_if_alive(client: weakref.ref[LocalChatClient]) -> Callable[[], None]:
    def close() -> None:
        if (alive := client()) is not None:
            alive.close()

    return close


def _json_object(text: str) -> str:
    """JSON mode without a grammar: the outermost {...} of the answer, dropping any chatter around it."""
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text
