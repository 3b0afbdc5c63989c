"""The LLM layer against a loopback server speaking the real OpenAI wire protocol, through the real `openai` client:
structured output, JSON mode, repairs, retries, budgets, the cache and the transcript."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, SecretStr

from movieagent.llm import ChatClient, LLMError, Price, Question, ResponseCache, RetryPolicy, StructuredChat, Transcript
from movieagent.llm.structured import Caps
from movieagent.llm.retry import backoff_s
from tests.fake_openai import FakeOpenAI, Fault

KEY = "sk-test-RECOGNISABLE-7f3a9c"
ANSWER = '{"title": "The Lighthouse Keeper", "scenes": 3}'


class Pitch(BaseModel):
    title: str
    scenes: int = Field(ge=1)


def pitch_question(**overrides) -> Question[Pitch]:
    fields = {
        "agent": "director",
        "scene": "scene-002",
        "model": "fake-model",
        "messages": [{"role": "system", "content": "Answer with JSON only."}, {"role": "user", "content": "Pitch the film."}],
        "answer": Pitch,
    }
    return Question(**{**fields, **overrides})


@pytest.fixture
def server():
    with FakeOpenAI(retry_after="1", slow_s=1.0) as fake:
        fake.answer = lambda call: ANSWER
        yield fake


def chat_settings(tmp_path: Path, **overrides) -> dict:
    return {
        "policy": RetryPolicy(max_retries=3, backoff_s=0.05, timeout_s=0.5),
        "budget_s": 5.0,
        "repair_tries": 2,
        "temperature": 0.0,
        "max_tokens": 256,
        "transcript": Transcript(tmp_path / "transcript.jsonl", secrets=[SecretStr(KEY)]),
        "secrets": [SecretStr(KEY)],
        **overrides,
    }


def make_chat(server: FakeOpenAI, tmp_path: Path, **overrides) -> StructuredChat:
    return StructuredChat(ChatClient(server.base_url, SecretStr(KEY)), **chat_settings(tmp_path, **overrides))


def transcript_lines(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "transcript.jsonl").read_text().splitlines()]


def last_user_message(server: FakeOpenAI, call: int) -> str:
    return [message for message in server.calls[call].body["messages"] if message["role"] == "user"][-1]["content"]


def test_structured_output_sends_the_json_schema_and_validates_the_answer(server, tmp_path):
    answer = make_chat(server, tmp_path).ask(pitch_question())
    assert answer == Pitch(title="The Lighthouse Keeper", scenes=3)
    body = server.calls[0].body
    assert body["response_format"]["type"] == "json_schema"
    # The model's schema, with every free-text field capped so no answer can run away.
    sent = body["response_format"]["json_schema"]["schema"]
    assert sent["properties"]["title"].pop("maxLength") == 1200 and sent == Pitch.model_json_schema()
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("fake-model", 256, 0.0)
    assert server.calls[0].authorization == f"Bearer {KEY}"


def test_json_mode_when_asked_and_when_the_server_refuses_schemas(server, tmp_path):
    make_chat(server, tmp_path, output_mode="json_object").ask(pitch_question())
    assert server.calls[-1].body["response_format"] == {"type": "json_object"}

    server.json_schema = False
    chat = make_chat(server, tmp_path)  # auto
    assert chat.ask(pitch_question()).scenes == 3
    assert [call.body["response_format"]["type"] for call in server.calls[1:]] == ["json_schema", "json_object"]
    chat.ask(pitch_question(agent="screenwriter"))  # remembered: no second refusal
    assert server.calls[-1].body["response_format"] == {"type": "json_object"}
    assert server.count() == 4


def test_malformed_json_is_repaired_with_the_parse_error(server, tmp_path):
    server.queue.append(Fault.malformed)
    assert make_chat(server, tmp_path).ask(pitch_question()).title == "The Lighthouse Keeper"
    assert server.count() == 2
    repair = last_user_message(server, 1)
    assert "not valid JSON" in repair
    assert server.calls[1].body["messages"][-2]["role"] == "assistant"
    assert server.calls[1].body["messages"][-2]["content"].startswith("Sure! Here is the plan")


def test_schema_invalid_json_is_repaired_with_the_validation_errors(server, tmp_path):
    server.queue.append(Fault.invalid)
    assert make_chat(server, tmp_path).ask(pitch_question()).scenes == 3
    repair = last_user_message(server, 1)
    assert "title: Field required" in repair and "scenes: Field required" in repair
    outcomes = [(line["attempt"], line["outcome"]) for line in transcript_lines(tmp_path)]
    assert outcomes == [(1, "invalid"), (2, "valid")]


def test_a_failed_check_is_repaired_and_an_endless_one_ends_in_an_error_naming_agent_and_scene(server, tmp_path):
    answers = iter(['{"title": "Untitled", "scenes": 3}', ANSWER])
    server.answer = lambda call: next(answers)
    question = pitch_question(check=lambda pitch: "the title must be the script's title" if pitch.title == "Untitled" else None)
    assert make_chat(server, tmp_path).ask(question).title == "The Lighthouse Keeper"
    assert "the title must be the script's title" in last_user_message(server, 1)

    server.answer = lambda call: '{"title": "Untitled", "scenes": 3}'
    with pytest.raises(LLMError) as failure:
        make_chat(server, tmp_path, repair_tries=1).ask(question)
    assert (failure.value.agent, failure.value.scene) == ("director", "scene-002")
    assert "director (scene-002)" in str(failure.value) and "the title must be the script's title" in str(failure.value)
    assert server.count() == 2 + 2


def test_429_waits_as_long_as_retry_after_says(server, tmp_path):
    server.queue.append(Fault.rate_limit)
    started = time.monotonic()
    make_chat(server, tmp_path, policy=RetryPolicy(max_retries=2, backoff_s=0.01, timeout_s=2.0)).ask(pitch_question())
    waited = time.monotonic() - started
    assert server.count() == 2
    assert 1.0 <= waited < 2.5, f"Retry-After: 1 should mean a 1 s wait, not {waited:.2f} s"


def test_500_and_timeouts_are_retried(server, tmp_path):
    server.queue.extend([Fault.server_error, Fault.slow])
    server.slow_s = 3.0
    started = time.monotonic()
    assert (
        make_chat(server, tmp_path, policy=RetryPolicy(max_retries=3, backoff_s=0.01, timeout_s=0.3)).ask(pitch_question()).scenes
        == 3
    )
    assert time.monotonic() - started < 2.0  # the slow answer (3 s) was not waited for
    assert server.count() == 3
    lines = transcript_lines(tmp_path)
    assert [line["outcome"] for line in lines] == ["error", "error", "valid"]
    assert "HTTP 500" in lines[0]["problem"] and "no answer within 0.3 s" in lines[1]["problem"]


def test_a_truncated_answer_is_asked_again_with_more_room(server, tmp_path):
    server.queue.append(Fault.truncated)
    assert make_chat(server, tmp_path, max_tokens=1024).ask(pitch_question(max_tokens=256)).scenes == 3
    assert server.calls[0].body["max_tokens"] == 256 and server.calls[1].body["max_tokens"] == 512
    assert "cut off at the token limit" in last_user_message(server, 1)
    assert transcript_lines(tmp_path)[0]["finish_reason"] == "length"


def test_a_server_that_always_fails_ends_in_a_clear_error_in_bounded_time(server, tmp_path):
    server.rule = lambda call: Fault.server_error
    started = time.monotonic()
    with pytest.raises(LLMError) as failure:
        make_chat(server, tmp_path, policy=RetryPolicy(max_retries=3, backoff_s=0.05, timeout_s=0.5)).ask(pitch_question())
    assert time.monotonic() - started < 3
    assert server.count() == 4
    assert "HTTP 500" in str(failure.value) and "gave up after 4 attempts" in str(failure.value)

    server.rule = lambda call: Fault.slow  # never answers in time: the budget ends it, whatever max_retries says
    started = time.monotonic()
    with pytest.raises(LLMError) as failure:
        make_chat(server, tmp_path, budget_s=1.0, policy=RetryPolicy(max_retries=50, backoff_s=0.05, timeout_s=0.4)).ask(
            pitch_question()
        )
    assert time.monotonic() - started < 2.0
    assert "budget" in str(failure.value)


def test_an_unauthorized_key_fails_at_once_and_never_reaches_a_file_or_message(server, tmp_path):
    server.rule = lambda call: Fault.unauthorized  # the error echoes the key, as some servers do
    with pytest.raises(LLMError) as failure:
        make_chat(server, tmp_path).ask(pitch_question())
    assert server.count() == 1  # retrying cannot fix a bad key
    assert "HTTP 401" in str(failure.value) and "api_key_env" in str(failure.value)
    assert KEY not in str(failure.value)
    assert KEY not in (tmp_path / "transcript.jsonl").read_text()


def test_the_cache_replays_a_repaired_conversation_without_any_call(server, tmp_path):
    server.queue.append(Fault.invalid)
    cache = ResponseCache(tmp_path / "cache")
    first = make_chat(server, tmp_path, cache=cache).ask(pitch_question())
    assert server.count() == 2

    again = make_chat(server, tmp_path, cache=ResponseCache(tmp_path / "cache")).ask(pitch_question())
    assert again == first and server.count() == 2
    replayed = transcript_lines(tmp_path)[2:]
    assert [(line["outcome"], line["cached"], line["cost_usd"]) for line in replayed] == [
        ("invalid", True, 0.0),
        ("valid", True, 0.0),
    ]

    make_chat(server, tmp_path, cache=cache).ask(pitch_question(model="another-model"))
    assert server.count() == 3  # the model is part of the key


def test_a_failed_question_is_cached_too_so_a_rerun_repeats_no_call(server, tmp_path):
    server.answer = lambda call: '{"title": 1}'
    with pytest.raises(LLMError):
        make_chat(server, tmp_path, repair_tries=1, cache=ResponseCache(tmp_path / "cache")).ask(pitch_question())
    assert server.count() == 2

    # At the same settings the model would answer the same: the re-run replays both answers and fails the same way.
    with pytest.raises(LLMError, match="title: Input should be a valid string"):
        make_chat(server, tmp_path, repair_tries=1, cache=ResponseCache(tmp_path / "cache")).ask(pitch_question())
    assert server.count() == 2
    assert [(line["outcome"], line["cached"]) for line in transcript_lines(tmp_path)] == [
        ("invalid", False),
        ("invalid", False),
        ("invalid", True),
        ("invalid", True),
    ]


def test_a_repair_samples_hotter_so_the_model_does_not_repeat_itself(server, tmp_path):
    server.queue.append(Fault.invalid)
    make_chat(server, tmp_path, temperature=0.0, repair_temperature=0.8).ask(pitch_question())
    assert [call.body["temperature"] for call in server.calls] == [0.0, 0.8]


def test_answers_over_their_caps_are_sent_back_with_the_cap_named(server, tmp_path):
    answers = iter([json.dumps({"title": "x" * 500, "scenes": 3}), ANSWER])
    server.answer = lambda call: next(answers)
    chat = make_chat(server, tmp_path, caps=Caps(text_chars=100))
    assert chat.ask(pitch_question()).title == "The Lighthouse Keeper"
    repair = last_user_message(server, 1)
    assert "title: 500 characters, more than the 100 allowed" in repair and "x" * 200 not in repair


def test_each_server_family_gets_the_schema_its_own_way(server, tmp_path):
    for family, where in (("vllm", "structured_outputs"), ("llama_cpp", "json_schema"), ("sglang", "response_format")):
        chat = StructuredChat(ChatClient(server.base_url, SecretStr(KEY), server=family), **chat_settings(tmp_path))
        chat.ask(pitch_question())
        body = server.calls[-1].body
        schema = body["structured_outputs"]["json"] if family == "vllm" else body["json_schema"] if family == "llama_cpp" else (
            body["response_format"]["json_schema"]["schema"]
        )
        assert schema["properties"]["title"]["maxLength"] == 1200, family
        assert where in body and ("response_format" not in body or family == "sglang"), family


def test_a_reply_without_json_is_not_called_cut_off_json(server, tmp_path):
    replies = iter(["I think the film is about a lighthouse " * 3, ANSWER])
    server.answer = lambda call: next(replies)
    server.queue.append(Fault.truncated)
    make_chat(server, tmp_path).ask(pitch_question())
    problem = last_user_message(server, 1)
    assert "the answer has no JSON object" in problem and "cut off at the token limit" in problem
    assert "before the JSON was complete" not in problem


def test_a_cut_off_answer_gets_twice_the_room_but_never_more_than_the_ceiling(server, tmp_path):
    server.rule = lambda call: Fault.truncated
    with pytest.raises(LLMError):
        make_chat(server, tmp_path, max_tokens=500, repair_tries=3).ask(pitch_question(max_tokens=200))
    assert [call.body["max_tokens"] for call in server.calls] == [200, 400, 500, 500]


class SmallContext:
    """A chat endpoint with a 1000-token context that counts a token per character and never answers."""

    context_tokens = 1000

    def __init__(self) -> None:
        self.requests: list = []

    def count_tokens(self, messages) -> int:
        return sum(len(message["content"]) for message in messages)

    def tokens_per_second(self) -> None:
        return None

    def complete(self, request, *, timeout_s):
        from movieagent.llm import ChatReply

        self.requests.append(request)
        return ChatReply(content='{"title": "' + "x" * 300 + '"', finish_reason="length", completion_tokens=request.max_tokens)

    def close(self) -> None:
        pass


def test_a_prompt_too_long_for_the_context_names_what_overflowed_before_any_call(tmp_path):
    client = SmallContext()
    chat = StructuredChat(client, **chat_settings(tmp_path))
    script = "INT. LAMP ROOM - NIGHT " * 60
    question = pitch_question(
        messages=[{"role": "user", "content": f"Pitch this script:\n{script}"}], parts={"script": script, "title": "T"}
    )
    with pytest.raises(LLMError) as failure:
        chat.ask(question)
    assert client.requests == []
    assert "the prompt is 1,399 tokens, 1,380 of them the script" in str(failure.value)
    assert "1,000-token context" in str(failure.value) and "a shorter script" in failure.value.fix


def test_a_repair_too_long_for_the_context_drops_the_old_answer_then_names_the_repair(tmp_path):
    client = SmallContext()
    chat = StructuredChat(client, **{**chat_settings(tmp_path), "max_tokens": 300, "repair_tries": 1})
    question = pitch_question(messages=[{"role": "user", "content": "p" * 500}])
    with pytest.raises(LLMError):
        chat.ask(question)
    first, repair = client.requests
    # The repair would not fit with the 300-character answer in it: the problem goes back without it.
    assert [message["role"] for message in repair.messages] == ["user", "user"]
    assert "cut off at the token limit" in repair.messages[-1]["content"]
    assert first.max_tokens == 300 and repair.max_tokens <= 1000 - client.count_tokens(repair.messages)


def test_a_slow_model_is_told_to_get_more_time_not_more_retries(server, tmp_path):
    server.rule = lambda call: Fault.slow
    server.slow_s = 2.0
    with pytest.raises(LLMError) as failure:
        make_chat(server, tmp_path, policy=RetryPolicy(max_retries=1, backoff_s=0.01, timeout_s=0.3)).ask(pitch_question())
    assert "timeout_s" in failure.value.fix and "max_retries" not in failure.value.fix


def test_the_transcript_has_usage_latency_and_cost(server, tmp_path):
    server.latency_s = 0.05
    prices = {"fake-model": Price(input_per_million=2.5, output_per_million=10.0)}
    make_chat(server, tmp_path, prices=prices).ask(pitch_question())
    (line,) = transcript_lines(tmp_path)
    assert (line["agent"], line["scene"], line["model"], line["outcome"]) == ("director", "scene-002", "fake-model", "valid")
    assert line["prompt_tokens"] > 0 and line["completion_tokens"] == len(ANSWER) // 4
    assert line["cost_usd"] == pytest.approx((line["prompt_tokens"] * 2.5 + line["completion_tokens"] * 10.0) / 1e6)
    assert 0.05 <= line["latency_s"] < 1.0
    assert line["reply"] == ANSWER and line["messages"][-1]["content"] == "Pitch the film."


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(backoff_s=1.0, max_backoff_s=8.0)
    for retry, delay in enumerate([1.0, 2.0, 4.0, 8.0, 8.0]):
        waits = [backoff_s(retry, policy) for _ in range(50)]
        assert all(delay / 2 <= wait <= delay for wait in waits)
        assert len(set(waits)) > 1
