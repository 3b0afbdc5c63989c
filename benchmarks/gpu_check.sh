#!/usr/bin/env bash
# One prepared command for a lent GPU box (an H100): random weights, no downloads, under 8 minutes, one line per check.
#
#   bash benchmarks/gpu_check.sh            # from the repository root; PYTHON=/path/to/python to pick an interpreter
#
# 1. the Python packages it needs (a bare box may have torch and nothing else: it says which wheels to bring);
# 2. benchmarks/gpu_check.py: the out-of-memory retry (GPU memory before, at and after the reload), the IP-Adapter
#    mask placement, one Wan clip through the real backend;
# 3. benchmarks/gpu_render.py at 1.3B: seconds of video per GPU-minute, peak VRAM, load share, naive ratio, with the
#    model saved in float32 shards like the published one (each load reads and casts them).
# Each step has a wall-clock limit; a step that fails prints FAIL and the rest still run. Exit status: the failures.
set -u
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
failures=0

# 1. Packages: the module each distribution provides (movieagent imports its whole core when it is imported).
needed=(
  "torch:torch" "diffusers:diffusers>=0.35" "transformers:transformers>=4.56" "accelerate:accelerate>=1.0" "ftfy:ftfy>=6"
  "huggingface_hub:huggingface-hub>=0.30" "safetensors:safetensors" "pydantic:pydantic>=2.10" "pydantic_settings:pydantic-settings>=2.6"
  "yaml:pyyaml>=6" "langgraph:langgraph>=1.0" "langgraph.checkpoint.sqlite:langgraph-checkpoint-sqlite>=2.0" "openai:openai>=1.50"
  "moviepy:moviepy>=2.1" "pydub:pydub>=0.25" "pysrt:pysrt>=1.1" "imageio_ffmpeg:imageio-ffmpeg>=0.5" "numpy:numpy>=1.26"
  "PIL:pillow>=10.1" "typer:typer>=0.12" "rich:rich>=13" "screenplain:screenplain>=0.11" "espeakng_loader:espeakng-loader>=0.2"
  "pyloudnorm:pyloudnorm>=0.1.1" "scipy:scipy>=1.11"
)
missing=()
for pair in "${needed[@]}"; do
  "$PYTHON" -c "import ${pair%%:*}" 2>/dev/null || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
  version=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null || echo "?")
  torch_version=$("$PYTHON" -c 'import torch; print(torch.__version__.split("+")[0])' 2>/dev/null || echo "")
  quoted=$(printf "'%s' " "${missing[@]}")
  echo "FAIL packages: missing ${missing[*]}"
  echo "  bring wheels: on a machine with internet, the same platform and Python $version, run"
  echo "    pip download -d wheels $quoted${torch_version:+torch==$torch_version}"
  echo "  (pinning torch to this box's version keeps pip from fetching another torch), copy wheels/ here, then"
  echo "    $PYTHON -m pip install --no-index --find-links wheels $quoted"
  exit 1
fi
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || { echo "FAIL gpu: torch sees no CUDA device (torch $("$PYTHON" -c 'import torch; print(torch.__version__)'))"; exit 1; }
echo "PASS packages: $("$PYTHON" -c 'import torch, diffusers, transformers; print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}, {torch.cuda.get_device_name(0)}")')"

# 2. The three checks, a line each (about 1-2 minutes).
timeout 240 "$PYTHON" -m benchmarks.gpu_check --device cuda 2>/dev/null
status=$?
if ((status == 124)); then echo "FAIL gpu-check: over 240 s"; fi
((status)) && failures=$((failures + 1))

# 3. The benchmark at 1.3B (about 3-4 minutes: building and writing 32 GB of float32 weights, five loads, seven clips).
scratch="${SCRATCH:-$(mktemp -d)}"
if timeout 330 "$PYTHON" -m benchmarks.gpu_render --variant 1.3b --shots 2 --steps 10 --seconds 2 --scratch "$scratch" \
    > "$scratch/benchmark.log" 2>&1; then
  grep -E "^(device|transformer|shots|movieagent|naive|built)" "$scratch/benchmark.log" | sed 's/^/PASS benchmark: /'
else
  echo "FAIL benchmark: exit $? (over 330 s if 124); last lines:"; tail -5 "$scratch/benchmark.log" | sed 's/^/  /'
  failures=$((failures + 1))
fi
exit "$failures"
