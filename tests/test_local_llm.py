"""The local chat client on a tiny random chat model: answers that follow their schema token by token and stop at
the end of their JSON, a timed-out answer that stops generating, a process that exits cleanly with a generation
running, failures in the transcript and the cache, the threads setting and the estimate up front."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import time

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

torch = pytest.importorskip("torch")
pytest.importorskip("llguidance")

from transformers import AutoTokenizer  # noqa: E402

from movieagent.llm import ChatRequest, LLMError, Question, ResponseCache, RetryPolicy, StructuredChat, Transcript  # noqa: E402
from movieagent.llm.answer_schema import FEWEST_CHARS_PER_TOKEN, answer_tokens, capped_schema, constrain  # noqa: E402
from movieagent.llm.generation import Finished, Row  # noqa: E402
from movieagent.llm.local import LocalChatClient  # noqa: E402
from movieagent.llm.retry import CallFailed  # noqa: E402
from movieagent.planning.crew import SceneBeats  # noqa: E402
from tests.tiny_chat_model import ask_together, tiny_model  # noqa: E402, F401 - the fixture


class Brief(BaseModel):
    scene_id: str
    goal: str = Field(description="What the scene must achieve")


class Treatment(BaseModel):
    title: str
    scenes: list[Brief]


def treatment_schema() -> dict:
    schema = capped_schema(Treatment.model_json_schema(), text_chars=40, list_items=3)
    constrain(schema, "Brief.scene_id", enum=["scene-001", "scene-002"])
    return schema


def json_request(schema: dict | None, *, max_tokens: int = 400, temperature: float = 0.0) -> ChatRequest:
    messages = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Write the treatment."}]
    output = "json_schema" if schema else "json_object"
    return ChatRequest(model="tiny", messages=messages, temperature=temperature, max_tokens=max_tokens, output=output, answer_schema=schema)


@pytest.fixture
def client(tiny_model):
    local = LocalChatClient(str(tiny_model), batch_wait_s=0.2)
    yield local
    local.close()


def test_a_random_model_constrained_to_the_schema_answers_valid_json_and_stops_at_its_end(client):
    schema = treatment_schema()
    # Greedy and sampled rows in their own batches, several rows a batch: each follows its own grammar.
    requests = [json_request(schema), json_request(schema), json_request(schema, temperature=1.0), json_request(schema, temperature=1.0)]
    replies = ask_together(client, requests, timeout_s=60)

    for reply in replies:
        data = json.loads(reply.content)
        assert list(Draft202012Validator(schema).iter_errors(data)) == []
        Treatment.model_validate(data)
        # It stopped where the JSON ended, far below its 400 tokens: caps bound every string and list.
        assert reply.finish_reason == "stop" and reply.completion_tokens < 400
    assert client.stats.largest_batch == 2


def test_a_constrained_answer_always_writes_the_tag_of_a_union(client):
    """A beat's 'kind' has a default, so the model's schema lets it be left out; pydantic cannot tell beats apart without it."""
    schema = capped_schema(SceneBeats.model_json_schema(), text_chars=30, list_items=3)
    constrain(schema, "SceneBeats.beats", minItems=3)
    requests = [json_request(schema, temperature=1.0) for _ in range(4)]
    for reply in ask_together(client, requests, timeout_s=60):
        beats = SceneBeats.model_validate_json(reply.content).beats
        assert len(beats) == 3 and all(f'"kind":"{beat.kind}"' in reply.content for beat in beats)


def test_without_the_grammar_json_mode_stops_when_the_object_closes(tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    text = '{"a": "a } in a string", "b": {"c": "\\"}"}} and then some chatter'
    tokens = tokenizer(text, add_special_tokens=False)["input_ids"]
    finished = Finished([Row(prompt="", max_tokens=100, json_only=True)], [None], tokenizer, ends=set())
    done_at = next(count for count in range(1, len(tokens) + 1) if finished(torch.tensor([tokens[:count]]), None)[0])
    assert tokenizer.decode(tokens[:done_at]).rstrip().endswith('"}"}}') and "chatter" not in tokenizer.decode(tokens[:done_at])


def test_a_timed_out_answer_stops_generating_and_frees_the_model(client, monkeypatch):
    steps = []
    real = Finished.__call__
    monkeypatch.setattr(Finished, "__call__", lambda self, ids, scores, **kw: steps.append(1) or real(self, ids, scores, **kw))
    endless = ChatRequest(model="tiny", messages=[{"role": "user", "content": "Talk."}], temperature=0.0, max_tokens=1_000_000)
    client.complete(json_request(None, max_tokens=4), timeout_s=60)  # loads the model
    started = time.monotonic()
    with pytest.raises(CallFailed, match="no answer from the local model within 1.5 s") as failure:
        client.complete(endless, timeout_s=1.5)
    assert failure.value.lasting_s == 1.5  # it was generating: the same request would time out again

    # The model is free at once for the next request; the endless answer stopped long before a million tokens.
    assert client.complete(json_request(None, max_tokens=4), timeout_s=60).completion_tokens <= 4
    assert time.monotonic() - started < 15 and len(steps) < 100_000


def test_the_process_exits_cleanly_while_an_answer_is_being_generated(tiny_model, tmp_path):
    """Exit with an error while a scene's answer is still generating: exit code 2, never SIGABRT (134, as before)."""
    program = textwrap.dedent(
        f"""
        import sys, threading, time
        from movieagent.llm import ChatRequest
        from movieagent.llm.local import LocalChatClient
        client = LocalChatClient({str(tiny_model)!r})
        request = ChatRequest(model="tiny", messages=[{{"role": "user", "content": "Talk."}}], temperature=0.0, max_tokens=10**7)
        threading.Thread(target=lambda: client.complete(request, timeout_s=600), daemon=True).start()
        time.sleep(8)  # the model loads in about a second; its answer of ten million tokens is still being generated
        print("exiting while generating", flush=True)
        sys.exit(2)
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=240, check=False)
    assert "exiting while generating" in result.stdout, result.stderr
    assert result.returncode == 2, result.stderr[-2000:]
    assert "terminate called" not in result.stderr


def test_a_local_timeout_is_in_the_transcript_and_cached_for_that_timeout_only(tiny_model, tmp_path):
    client = LocalChatClient(str(tiny_model), constrained=False)  # this random model never writes its JSON: it runs on

    def chat(timeout_s: float) -> StructuredChat:
        return StructuredChat(
            client,
            policy=RetryPolicy(max_retries=0, timeout_s=timeout_s),
            budget_s=60,
            repair_tries=0,
            temperature=0.0,
            max_tokens=30_000,
            cache=ResponseCache(tmp_path / "cache"),
            transcript=Transcript(tmp_path / "transcript.jsonl"),
        )

    client.complete(json_request(None, max_tokens=4), timeout_s=60)  # loads the model
    question = Question(agent="director", scene=None, model="tiny", messages=[{"role": "user", "content": "Talk."}], answer=Treatment)
    asked = []
    real_complete = client.complete
    client.complete = lambda request, *, timeout_s: asked.append(timeout_s) or real_complete(request, timeout_s=timeout_s)
    with pytest.raises(LLMError, match="no answer from the local model within 1.5 s"):
        chat(1.5).ask(question)
    with pytest.raises(LLMError, match="remembered from an earlier run"):
        chat(1.5).ask(question)  # the same timeout: not asked again
    with pytest.raises(LLMError, match="within 2.0 s"):
        chat(2.0).ask(question)  # more time: asked again
    assert asked == [1.5, 2.0]
    client.close()
    lines = [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]
    assert [(line["outcome"], line["cached"]) for line in lines] == [("error", False), ("error", True), ("error", False)]
    assert all("no answer from the local model" in line["problem"] and line["messages"] for line in lines)


def test_threads_are_set_and_the_speed_is_measured_for_the_estimate_up_front(tiny_model, caplog):
    caplog.set_level(logging.INFO, logger="movieagent")
    before = torch.get_num_threads()
    local = LocalChatClient(str(tiny_model), threads=1)
    try:
        chat = StructuredChat(
            local, policy=RetryPolicy(), budget_s=60, run_budget_s=1.0, repair_tries=0, temperature=0.0, max_tokens=64
        )
        estimate = chat.estimate(10_000_000)
        assert torch.get_num_threads() == 1
    finally:
        local.close()
        torch.set_num_threads(before)
    assert estimate.startswith("up to about 10,000,000 new tokens at ") and "tokens/s: up to about" in estimate
    assert "more than the 0 minutes left of run_budget_s" in caplog.text and "rules crew" in caplog.text
    assert "tokens/s" in caplog.text and "local model" in caplog.text


def test_a_question_has_room_for_the_longest_answer_its_schema_allows(tiny_model):
    """SmolLM2 once filled a capped field with dates, a digit a token, and was cut off before the JSON closed:
    the room a question asks for is counted at one character a token, which any answer fits."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    schema = treatment_schema()
    digits = ("2018-01-20_" * 4)[:40]
    longest = Treatment(title=digits, scenes=[Brief(scene_id="scene-002", goal=digits)] * 3).model_dump_json()
    tokens = len(tokenizer(longest, add_special_tokens=False)["input_ids"])
    assert answer_tokens(schema) < tokens <= answer_tokens(schema, FEWEST_CHARS_PER_TOKEN)
