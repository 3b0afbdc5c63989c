"""Ingest: script files and the character bank, loaded and checked before any planning.

script, bank = check_inputs(script_path, bank_path, max_bytes=..., max_scenes=...)
plan = read_plan(Path("out/plan.json"))   # a plan a person may have edited
"""

from movieagent.ingest.bank import load_bank
from movieagent.ingest.plan_file import read_plan
from movieagent.ingest.script import load_script
from movieagent.ingest.validate import check_inputs, input_warnings, validate

__all__ = ["check_inputs", "input_warnings", "load_bank", "load_script", "read_plan", "validate"]
