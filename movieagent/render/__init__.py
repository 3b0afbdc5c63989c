"""Rendering: plan + timeline -> render jobs -> a keyframe and a clip per shot, through a job runner.

jobs.py           build_jobs: one pure RenderJob per shot (sizes, frame counts, paths, cache keys)
phases.py         render_phase: a phase of jobs through a runner, content-addressed cache; preflight
worker.py         what every runner's worker does with a phase (build once, retry out of memory)
runner_local.py   worker processes on this machine, one per GPU with `gpus: auto`
runner_ray.py     long-lived actors on a Ray cluster
"""
