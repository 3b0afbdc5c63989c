"""A tiny random Llama chat model built here from a config (no downloads), saved as a model folder so it loads
through the same from_pretrained path as a real one; its byte-level BPE tokenizer is trained on the prompts."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402

from movieagent.planning.crews.llm import PROMPTS  # noqa: E402

if TYPE_CHECKING:
    from movieagent.llm import ChatReply, ChatRequest
    from movieagent.llm.local import LocalChatClient

ROOT = Path(__file__).resolve().parents[1]
END = "<|end|>"
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A one-layer Llama with random weights and a byte-level BPE tokenizer trained on the prompts, as a model folder."""
    # The crew's own templates only: another prompt file (the eval judge's) would change this random model's answers.
    texts = [(ROOT / "prompts" / f"{role}.md").read_text(encoding="utf-8") for role in sorted(PROMPTS)]
    texts += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*/*.fountain"))]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1000,
        special_tokens=["<|pad|>", END, "<|system|>", "<|user|>", "<|assistant|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # every byte: any text round-trips
        show_progress=False,
    )
    bpe.train_from_iterator(texts, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|pad|>", eos_token=END)
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=32768,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-chat-model")
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def ask_together(client: LocalChatClient, requests: list[ChatRequest], *, timeout_s: float) -> list[ChatReply]:
    """Sends every request from its own thread at the same moment, as the planning graph's scenes do."""
    replies: list = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def send(index: int) -> None:
        start.wait()
        replies[index] = client.complete(requests[index], timeout_s=timeout_s)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return replies
