"""How much of the LLM planning runs in parallel: (sum of call latencies) / (wall time). Goal >= 4x.

    python -m benchmarks.planning_parallelism [--latency 0.5] [--script S --characters DIR]    (from the repository root)

Plans the long example with the `openai` crew against the loopback fake server of the tests, which
answers every call after `--latency` seconds (the rules crew's plan, over the real wire protocol).
Per-scene work (screenwriter, storyboard artist) fans out with LangGraph `Send`; the director, the
location manager and the review are single calls, so they bound the ratio from above.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from movieagent import load_settings
from movieagent.ingest import check_inputs
from movieagent.planning import plan_movie
from movieagent.planning.crews.openai import Backend
from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--script", type=Path, default=ROOT / "examples/long/borrowed-sugar.fountain")
    parser.add_argument("--characters", type=Path, default=ROOT / "character_bank/borrowed-sugar")
    parser.add_argument("--latency", type=float, default=0.5, help="Seconds the fake server takes for every answer")
    arguments = parser.parse_args()

    settings = load_settings(progress=False)
    script, bank = check_inputs(
        arguments.script,
        arguments.characters,
        max_bytes=settings.planning.max_script_bytes,
        max_scenes=settings.planning.max_scenes,
    )
    os.environ.setdefault("OPENAI_API_KEY", "sk-benchmark-not-a-real-key")
    with FakeOpenAI(latency_s=arguments.latency) as server, tempfile.TemporaryDirectory() as outdir:
        server.play(script, bank, settings.planning)
        transcript = Path(outdir) / "transcript.jsonl"
        crew = Backend(Backend.Options(base_url=server.base_url, model="fake", transcript=transcript))
        started = time.perf_counter()
        plan = plan_movie(script, bank, crew, settings.planning, checkpoint=Path(outdir) / "planning.sqlite")
        wall_s = time.perf_counter() - started
        calls = [json.loads(line) for line in transcript.read_text(encoding="utf-8").splitlines()]

    latency_s = sum(call["latency_s"] for call in calls)
    per_role = Counter(call["agent"] for call in calls)
    print(f"planned {len(plan.scenes)} scenes, {len(plan.shots())} shots with {len(calls)} calls ({dict(per_role)})")
    print(f"sum of call latencies {latency_s:.2f} s, wall {wall_s:.2f} s")
    print(f"parallelism {latency_s / wall_s:.2f}x (goal >= 4.0)")


if __name__ == "__main__":
    main()
