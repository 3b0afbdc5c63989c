"""A GGUF chat model as a transformers folder that the `transformers` crew (movieagent.llm.local) can load.

transformers reads a GGUF file (with the `gguf` package) and dequantizes it to float32, but cannot save the
result: its config still says 'quantized'. So the weights are copied into a plain model of the same class
and saved with the tokenizer. Done once; the folder is then an ordinary save_pretrained model.

    .venv/bin/python -m movieagent.llm.gguf SmolLM2-135M-Instruct.Q4_1.gguf ~/.cache/movieagent/smollm2-135m
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def convert_gguf(gguf_file: Path, folder: Path) -> Path:
    """Writes `folder` (config, float32 safetensors, tokenizer, chat template) from `gguf_file`; returns it.

    The folder appears whole or not at all: it is written beside its final name and renamed into place.
    """
    gguf_file, folder = Path(gguf_file), Path(folder)
    # 1. Read and dequantize.
    tokenizer = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    quantized = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32)
    # 2. The same weights in a model whose config has no quantization.
    settings = quantized.config.to_dict()
    settings.pop("quantization_config", None)
    plain = type(quantized)(type(quantized.config).from_dict(settings))
    plain.load_state_dict(quantized.state_dict())
    plain.generation_config = quantized.generation_config
    # 3. Save beside the final name, then move into place.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        plain.eval().save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.chmod(0o755)  # mkdtemp makes it private; a model folder is ordinary data
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def converted_once(gguf_file: Path, folder: Path) -> Path:
    """`folder` when an earlier conversion is there (it appears whole or not at all), else the conversion written there."""
    return Path(folder) if (Path(folder) / "config.json").is_file() else convert_gguf(gguf_file, folder)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m movieagent.llm.gguf MODEL.gguf FOLDER")
    print(convert_gguf(Path(sys.argv[1]), Path(sys.argv[2])))
