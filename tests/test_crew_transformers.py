"""The `transformers` crew on a tiny random Llama chat model built here from a config (no downloads), loaded
through the same from_pretrained path as a real model: batching, the chat template, usage, repairs, the
fallback, and a full plan when the model's output is scripted to be the rules crew's answers.
(tests/test_local_llm.py: constrained decoding, cancelling, clean exits; tests/test_real_model.py: SmolLM2.)"""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaForCausalLM  # noqa: E402

from movieagent.backends import load_backend  # noqa: E402
from movieagent.cli import app  # noqa: E402
from movieagent.config import PlanningSettings, load_settings  # noqa: E402
from movieagent.errors import InputError  # noqa: E402
from movieagent.ingest import check_inputs  # noqa: E402
from movieagent.llm import ChatRequest, LLMError  # noqa: E402
from movieagent.llm.local import LocalChatClient  # noqa: E402
from movieagent.llm.retry import CallFailed  # noqa: E402
from movieagent.planning import plan_movie  # noqa: E402
from movieagent.planning.casting import cast_script  # noqa: E402
from movieagent.planning.crew import ScreenwriterTask  # noqa: E402
from movieagent.planning.crews.rules import Backend as RulesCrew  # noqa: E402
from movieagent.planning.crews.transformers import Backend  # noqa: E402
from tests.fake_openai import Call, FakeOpenAI, question_of  # noqa: E402
from tests.tiny_chat_model import CHAT_TEMPLATE, END, ask_together, tiny_model  # noqa: E402, F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]
SHORT = (ROOT / "examples/short/the-lighthouse-keeper.fountain", ROOT / "character_bank/lighthouse")
PACING = PlanningSettings()
STRICT = PlanningSettings(fallback="none")


@pytest.fixture
def generate_calls(monkeypatch) -> list[dict]:
    """Every `generate` call of any Llama model, with its arguments: the real one still runs."""
    calls: list[dict] = []
    real = LlamaForCausalLM.generate

    def recording(model, *args, **kwargs):
        calls.append(kwargs)
        return real(model, *args, **kwargs)

    monkeypatch.setattr(LlamaForCausalLM, "generate", recording)
    return calls


@pytest.fixture
def client(tiny_model):
    local = LocalChatClient(str(tiny_model), max_batch_size=4, batch_wait_s=0.5)
    yield local
    local.close()


def ask(text: str, *, temperature: float = 0.0, max_tokens: int = 12) -> ChatRequest:
    messages = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": text}]
    return ChatRequest(model="tiny", messages=messages, temperature=temperature, max_tokens=max_tokens)


def load_short():
    return check_inputs(*SHORT, max_bytes=PACING.max_script_bytes, max_scenes=PACING.max_scenes)


# --------------------------------------------------------------------------------------------- the client


def test_concurrent_calls_share_generate_calls_and_answer_as_if_alone(client, tiny_model, generate_calls, monkeypatch):
    loads = []
    real_load = AutoModelForCausalLM.from_pretrained
    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    requests = [ask("tell me about the lighthouse " * (index + 1)) for index in range(6)]

    together = ask_together(client, requests, timeout_s=30)

    # Six threads, one model load, fewer generate calls than requests, batches of up to four.
    assert len(loads) == 1
    assert len(generate_calls) < 6 and max(len(call["input_ids"]) for call in generate_calls) == 4
    assert client.stats.requests == 6 and client.stats.batches == len(generate_calls) and client.stats.largest_batch == 4
    # Left padding: a prompt answered in a batch gets the answer it gets alone, and greedy answers repeat.
    one_at_a_time = LocalChatClient(str(tiny_model), batch_wait_s=0)
    alone = [one_at_a_time.complete(request, timeout_s=30) for request in requests]
    assert [reply.content for reply in together] == [reply.content for reply in alone]
    assert [reply.content for reply in alone] == [one_at_a_time.complete(request, timeout_s=30).content for request in requests]
    assert len({reply.content for reply in alone}) > 1 and all(reply.content for reply in alone)
    one_at_a_time.close()

    # Usage: the prompt as the chat template writes it, the new tokens up to max_tokens.
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    for request, reply in zip(requests, together, strict=True):
        templated = tokenizer.apply_chat_template(request.messages, tokenize=False, add_generation_prompt=True)
        assert reply.prompt_tokens == len(tokenizer(templated, add_special_tokens=False)["input_ids"])
        assert (reply.finish_reason, reply.completion_tokens) == ("length", 12)
        assert reply.model == str(tiny_model) and reply.latency_s > 0


def test_the_chat_template_frames_each_prompt_and_padding_is_on_the_left(client, tiny_model, generate_calls):
    requests = [ask("short"), ask("a much longer question about the keeper and the lamp room")]
    ask_together(client, requests, timeout_s=30)

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    (call,) = generate_calls
    # Rows come in the order the threads arrived; the short prompt is the padded one.
    long_row, short_row = sorted(call["input_ids"].tolist(), key=lambda row: row.count(tokenizer.pad_token_id))
    assert short_row[0] == tokenizer.pad_token_id and long_row[0] != tokenizer.pad_token_id
    assert tokenizer.decode(short_row, skip_special_tokens=False).replace("<|pad|>", "") == (
        "<|system|>Answer in JSON.<|end|><|user|>short<|end|><|assistant|>"
    )
    assert call["max_new_tokens"] == 12 and call["do_sample"] is False


def test_a_template_without_a_system_role_gets_the_system_text_in_the_first_user_message(tiny_model, tmp_path, generate_calls):
    strict = tmp_path / "strict-model"
    shutil.copytree(tiny_model, strict)
    refusing = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    (strict / "chat_template.jinja").write_text(refusing + CHAT_TEMPLATE)
    local = LocalChatClient(str(strict), batch_wait_s=0)
    local.complete(ask("short"), timeout_s=30)
    local.close()

    tokenizer = AutoTokenizer.from_pretrained(strict)
    (call,) = generate_calls
    assert tokenizer.decode(call["input_ids"][0]) == "<|user|>Answer in JSON.\n\nshort<|end|><|assistant|>"


def test_a_prompt_longer_than_the_context_fails_alone_and_its_batch_is_answered(tiny_model, tmp_path, generate_calls):
    short_context = tmp_path / "short-context-model"
    shutil.copytree(tiny_model, short_context)
    config = json.loads((short_context / "config.json").read_text())
    (short_context / "config.json").write_text(json.dumps({**config, "max_position_embeddings": 64}))
    local = LocalChatClient(str(short_context), batch_wait_s=0.5)
    outcomes: dict[str, object] = {}

    def send(name: str, text: str) -> None:
        try:
            outcomes[name] = local.complete(ask(text), timeout_s=30)
        except CallFailed as failure:
            outcomes[name] = failure

    threads = [threading.Thread(target=send, args=item) for item in (("short", "hello"), ("long", "the lamp " * 100))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    local.close()

    assert isinstance(outcomes["long"], CallFailed) and "more than the 64 the model can read" in str(outcomes["long"])
    assert outcomes["short"].completion_tokens == 12
    assert [len(call["input_ids"]) for call in generate_calls] == [1]


def test_sampling_follows_the_request_and_never_shares_a_batch_with_greedy(client, generate_calls):
    requests = [ask("the lamp", temperature=1.5), ask("the lamp", temperature=1.5), ask("the lamp"), ask("the lamp")]
    replies = ask_together(client, requests, timeout_s=30)

    assert sorted((call["do_sample"], call.get("temperature"), len(call["input_ids"])) for call in generate_calls) == [
        (False, None, 2),
        (True, 1.5, 2),
    ]
    sampled = {replies[0].content, replies[1].content} | {client.complete(requests[0], timeout_s=30).content}
    assert len(sampled) > 1 and replies[2].content == replies[3].content


def test_a_request_that_waits_past_its_timeout_is_dropped_not_generated(tiny_model, generate_calls):
    slow = LocalChatClient(str(tiny_model), batch_wait_s=0.5)
    with pytest.raises(CallFailed, match="no answer from the local model within 0.1 s"):
        slow.complete(ask("anyone there?"), timeout_s=0.1)
    slow.close()
    assert generate_calls == [] and slow.stats.batches == 0


def test_a_model_that_cannot_load_is_an_input_error(tmp_path, tiny_model, monkeypatch):
    with pytest.raises(InputError, match="there is no model folder at"):
        LocalChatClient(str(tmp_path / "no-such-model")).complete(ask("hello"), timeout_s=5)
    with pytest.raises(InputError, match="cannot load the local model") as not_a_model:
        LocalChatClient(str(tmp_path)).complete(ask("hello"), timeout_s=5)
    assert "save_pretrained" in str(not_a_model.value)

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match="torch sees no CUDA GPU"):
        LocalChatClient(str(tiny_model), device="cuda").complete(ask("hello"), timeout_s=5)


# --------------------------------------------------------------------------------------------- the crew


def test_a_random_models_answers_are_repaired_then_fail_naming_the_agent_and_scene(tiny_model, tmp_path):
    script, bank = load_short()
    cast = cast_script(script, bank)
    scene = script.scenes[1]
    brief = RulesCrew(RulesCrew.Options()).director(script, cast).scenes[1]
    task = ScreenwriterTask(scene=scene, brief=brief, cast=cast)
    transcript = tmp_path / "transcript.jsonl"
    crew = Backend(Backend.Options(model=str(tiny_model), max_tokens=16, repair_tries=2, transcript=transcript))

    started = time.monotonic()
    with pytest.raises(LLMError) as failure:
        crew.screenwriter(task)

    assert time.monotonic() - started < 20
    assert (failure.value.agent, failure.value.scene) == ("screenwriter", "scene-002")
    assert "after 2 repair tries" in str(failure.value)
    calls = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert [(call["attempt"], call["outcome"]) for call in calls] == [(1, "invalid"), (2, "invalid"), (3, "invalid")]
    # Constrained to the schema, every answer is JSON: cut off at the 16-token ceiling, which doubling never passes.
    assert [call["completion_tokens"] for call in calls] == [16, 16, 16]
    assert all(call["reply"].startswith('{"scene_id":"scene-002"') for call in calls)
    assert all("cut off at the token limit before the JSON was complete" in call["problem"] for call in calls)
    assert all(call["prompt_tokens"] > 0 and call["cost_usd"] is None for call in calls)
    assert calls[2]["messages"][-2] == {"role": "assistant", "content": calls[1]["reply"]}
    assert "Your answer cannot be used" in calls[2]["messages"][-1]["content"]
    crew.close()


def test_the_prompt_carries_each_input_once_and_opens_with_the_role_card(tiny_model, tmp_path):
    script, bank = load_short()
    cards = tmp_path / "agents"
    shutil.copytree(ROOT / "agents", cards)
    (cards / "director.yaml").write_text("role: showrunner of a silent film\ngoal: Keep every scene under a minute.\nrules: [No dialogue.]\n")
    transcript = tmp_path / "transcript.jsonl"
    crew = Backend(Backend.Options(model=str(tiny_model), max_tokens=16, repair_tries=0, transcript=transcript, role_cards=cards))
    with pytest.raises(LLMError):
        crew.director(script, cast_script(script, bank))
    crew.close()

    system, user = json.loads(transcript.read_text().splitlines()[0])["messages"]
    assert system["content"].startswith("You are the showrunner of a silent film. Keep every scene under a minute.\n\nRules:\n- No dialogue.")
    # The script's text once, no JSON copy of the input, and this machine's folders nowhere.
    first_line = "Two hundred and thirteen. You missed the one that creaks."
    assert first_line in SHORT[0].read_text() and (system["content"] + user["content"]).count(first_line) == 1
    assert "```json" not in user["content"] and str(ROOT) not in system["content"] + user["content"]


def test_a_prompt_too_long_for_the_models_context_names_the_script_before_generating(tiny_model, tmp_path, generate_calls):
    short_context = tmp_path / "short-context-model"
    shutil.copytree(tiny_model, short_context)
    config = json.loads((short_context / "config.json").read_text())
    (short_context / "config.json").write_text(json.dumps({**config, "max_position_embeddings": 2048}))
    script, bank = load_short()
    crew = Backend(Backend.Options(model=str(short_context), max_tokens=512))
    with pytest.raises(LLMError) as failure:
        crew.director(script, cast_script(script, bank))
    crew.close()
    assert "of them the script" in str(failure.value) and "2,048-token context" in str(failure.value)
    assert "a shorter script" in failure.value.fix
    # Nothing was generated for the director: the one generate call is the speed measurement for the estimate up front.
    assert [(len(call["input_ids"]), call["max_new_tokens"]) for call in generate_calls] == [(1, 16)]


def test_scripted_valid_answers_plan_the_film_exactly_as_the_rules_crew(tiny_model, tmp_path, monkeypatch):
    """`generate` writes, as tokens, what the rules crew answers to the prompt it reads (wrapped in chatter):
    the client's decoding, JSON mode, the crew's validation and post-processing all run for real."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    fake = FakeOpenAI()  # only its rules-crew answers: no server is started
    end_id = tokenizer.convert_tokens_to_ids(END)

    def scripted_generate(model, input_ids, attention_mask, max_new_tokens, **settings):
        answers = []
        for row in input_ids.tolist():
            prompt = tokenizer.decode(row, skip_special_tokens=True)
            role, scene = question_of({"messages": [{"role": "system", "content": prompt}, {"role": "user", "content": prompt}]})
            call = Call(role=role, scene=scene, body={}, authorization="")
            answer = fake.crew_answer(call) if role != "unknown" else "one two three"  # the speed measurement's question
            text = f"Here is the JSON you asked for:\n```json\n{answer}\n```\nThat is all."
            answers.append(tokenizer(text, add_special_tokens=False)["input_ids"][:max_new_tokens] + [end_id])
        width = max(map(len, answers))
        padded = [answer + [tokenizer.pad_token_id] * (width - len(answer)) for answer in answers]
        return torch.cat([input_ids, torch.tensor(padded, dtype=input_ids.dtype)], dim=1)

    monkeypatch.setattr(LlamaForCausalLM, "generate", scripted_generate)
    script, bank = load_short()
    fake.play(script, bank)
    outdir = tmp_path / "out"
    crew = Backend(
        Backend.Options(
            model=str(tiny_model),
            constrained=False,  # JSON mode: the chatter around the JSON is generated, then cut away
            max_tokens=100_000,
            batch_wait_s=0.3,
            cache_dir=outdir / "cache",
            transcript=outdir / "t.jsonl",
        )
    )
    plan = plan_movie(script, bank, crew, STRICT)

    assert plan == plan_movie(script, bank, RulesCrew(RulesCrew.Options()), PACING)
    calls = [json.loads(line) for line in (outdir / "t.jsonl").read_text().splitlines()]
    assert len(calls) == 9 and all(call["outcome"] == "valid" for call in calls)
    answer_tokens = [len(tokenizer(call["reply"], add_special_tokens=False)["input_ids"]) for call in calls]
    # The chatter around the JSON was generated (and counted) too, then cut away by JSON mode.
    assert all(call["completion_tokens"] > tokens + 10 for call, tokens in zip(calls, answer_tokens, strict=True))
    assert all(call["reply"].startswith("{") and call["reply"].endswith("}") for call in calls)
    # The three scenes' questions were asked at the same time and answered together.
    stats = crew.client.stats
    assert stats.requests == 1 + 9 and stats.batches < 1 + 9 and stats.largest_batch >= 3  # the speed measurement, then the crew
    crew.close()


def test_the_shipped_profile_builds_the_crew_without_loading_the_model():
    settings = load_settings(ROOT / "configs/llm-local.yaml")
    crew = load_backend("crew", settings.planning.crew)
    assert isinstance(crew, Backend)
    assert (crew.options.device, crew.options.dtype, crew.options.temperature, crew.options.constrained) == ("auto", "auto", 0.0, True)
    assert crew.client.stats.batches == 0 and crew.client.device == "cpu" and crew.client.dtype == "float32"


@pytest.mark.parametrize(
    ("model", "fallback", "code", "message"),
    [
        ("random", "none", 1, "the director gave no usable answer"),  # a model that fails while working: 1
        ("missing", "rules", 2, "there is no model folder at"),  # a model that is not there is bad input: 2
        ("random", "rules", 0, "questions answered by the model"),  # the rules crew answers what the model cannot
    ],
)
def test_the_cli_plan_command_ends_cleanly(tiny_model, tmp_path, model, fallback, code, message):
    folder = tiny_model if model == "random" else tmp_path / "nothing-here"
    profile = tmp_path / "local.yaml"
    crew = {"kind": "transformers", "model": str(folder), "max_tokens": 16, "repair_tries": 0}
    profile.write_text(yaml.safe_dump({"planning": {"crew": crew, "fallback": fallback}}))
    result = CliRunner().invoke(
        app, ["plan", str(SHORT[0]), "--characters", str(SHORT[1]), "-c", str(profile), "-o", str(tmp_path / "out"), "-q"]
    )
    assert result.exit_code == code, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_with_the_fallback_a_random_model_still_plans_the_film_and_the_plan_names_who_answered(tiny_model, tmp_path):
    script, bank = load_short()
    crew = Backend(Backend.Options(model=str(tiny_model), max_tokens=24, repair_tries=1, transcript=tmp_path / "t.jsonl"))
    plan = plan_movie(script, bank, crew, PACING)
    crew.close()

    assert [scene.id for scene in plan.scenes] == ["scene-001", "scene-002", "scene-003"]
    assert len(plan.answers) == 9 and any(answer.answered_by == "fallback" for answer in plan.answers)
    for answer in plan.answers:
        assert (answer.reason is None) == (answer.answered_by == "model"), answer
    # Every question the model was asked is in the transcript, the failed ones too.
    asked = {(line["agent"], line["scene"]) for line in map(json.loads, (tmp_path / "t.jsonl").read_text().splitlines())}
    assert asked == {(answer.role, answer.scene_id) for answer in plan.answers}
