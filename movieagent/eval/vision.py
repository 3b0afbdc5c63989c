"""The metrics that need model weights: do the frames show their prompts and their characters, and does
each character keep one look within a shot and across shots.

Every score is a plain cosine similarity in [-1, 1] of L2-normalised embeddings (no x100, no clipping at
0, no CLIPScore weight of 2.5), so numbers from different models are comparable only in direction.
For a shot s with frames f_1..f_n, a character c in it, c's reference images r_1..r_m, and crop_c(f)
the part of frame f in c's box (the whole frame without a box), padded to a square so the processor's
centre crop keeps the head and the feet:

- CLIP-T(s)    = mean_i cos(CLIP_image(f_i), CLIP_text(prompt of s)). Whole frames, the CLIP processor's
                 own resize and centre crop, the prompt cut at the text encoder's length (77 tokens).
- CLIP-I(s, c) = mean_{i,j} cos(CLIP_image(crop_c(f_i)), CLIP_image(r_j)).
- DINO(s, c)   = mean_{i,j} cos(DINO(crop_c(f_i)), DINO(r_j)), DINO = the layer-normed CLS token
                 (Dinov2Model's pooler output; the [CLS] pooler of other ViTs loaded the same way).
- ArcFace(s,c) = the same over ArcFace embeddings of the largest face insightface finds in each crop and
                 reference, skipping images without a face. Only with `arcface_model` and insightface.
- WS-FC(s)     = mean over the characters c of s of mean_{i<j} cos(phi(crop_c(f_i)), phi(crop_c(f_j))):
                 within-shot face (character) consistency, after VideoGen-of-Thought (Zheng et al. 2024).
- CS-FC(c)     = mean_{s<t} cos(p_c(s), p_c(t)) over the pairs of shots s, t that c appears in, with
                 p_c(s) = the normalised mean of phi(crop_c(f_i)) over the frames of s: cross-shot consistency.

phi is the most identity-specific feature available: ArcFace, else DINO, else CLIP image; `models` says
which (key 'consistency_features'). VideoGen-of-Thought measures faces; without ArcFace these measure
the character's whole crop (clothes and pose included), and without boxes the whole frame.
Means are over the scores that exist: shots for CLIP-T and WS-FC, (shot, character) pairs for
CLIP-I, DINO and ArcFace, characters for CS-FC. A score is missing (None, or no key) where its inputs
are: no model, no prompt, no reference image, fewer than two frames or shots.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from pydantic import BaseModel, Field

from movieagent.diffusion.loading import fetch_command
from movieagent.errors import InputError

NormalisedBox = tuple[float, float, float, float]
Loaded = TypeVar("Loaded")
Key = TypeVar("Key", bound=Hashable)


class ShotSample(BaseModel):
    shot_id: str
    prompt: str
    character_ids: list[str]
    frames: list[Path] = Field(description="PNG frames sampled from the shot")
    boxes: dict[str, NormalisedBox] = Field(
        default_factory=dict,
        description="Character id -> x, y, w, h in 0..1 of the frame; a character without one is the whole frame",
    )


class VisionOptions(BaseModel):
    clip_model: str | None = Field(
        default=None, description="CLIPModel: a save_pretrained folder or a Hugging Face id in the cache"
    )
    dino_model: str | None = Field(default=None, description="Dinov2Model (or another ViT with a CLS pooler), folder or id")
    arcface_model: str | None = Field(
        default=None, description="An insightface model pack folder, e.g. ~/.insightface/models/buffalo_l; needs insightface"
    )
    device: str = Field(default="cpu", pattern=r"^(cpu|cuda(:\d+)?|mps)$", description="cpu, cuda, cuda:1, mps")
    batch_size: int = Field(default=16, ge=1, description="Images per forward pass")
    local_files_only: bool = Field(
        default_factory=lambda: os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"),
        description="Never reach the network for weights (on by default when HF_HUB_OFFLINE=1)",
    )


class ShotVisionScores(BaseModel):
    shot_id: str
    clip_t: float | None
    clip_i: dict[str, float]
    dino: dict[str, float]
    ws_fc: float | None
    arcface: dict[str, float] = {}


class VisionMetrics(BaseModel):
    shots: list[ShotVisionScores]
    clip_t_mean: float | None
    clip_i_mean: float | None
    dino_mean: float | None
    ws_fc_mean: float | None
    cs_fc: dict[str, float]
    cs_fc_mean: float | None
    models: dict[str, str] = Field(description="Metric family -> the model used, or why it was not used")
    arcface_mean: float | None = None


def measure_vision(shots: list[ShotSample], references: dict[str, list[Path]], options: VisionOptions) -> VisionMetrics:
    """The scores defined in this module's docstring, for every shot and character; `references` maps a
    character id to its reference images. Raises InputError for a missing model, frame or image."""
    # 1. Check inputs and load the models the options name.
    _check_device(options.device)
    models: dict[str, str] = {}
    clip, models["clip"] = _load_clip(options)
    dino, models["dino"] = _load_dino(options)
    face, models["arcface"] = _load_arcface(options)
    # The first is the most identity-specific: it measures consistency (phi in this module's docstring).
    encoders: dict[str, _Encoder] = {
        name: encoder for name, encoder in (("arcface", face), ("dino", dino), ("clip", clip)) if encoder
    }
    consistency = next(iter(encoders), None)
    models["consistency_features"] = consistency or "none: no model given"

    # 2. Embed the reference images once.
    reference_images = {character: [_square(_open(path)) for path in paths] for character, paths in references.items()}
    reference_rows = {name: _embed_groups(encoder, reference_images) for name, encoder in encoders.items()}

    # 3. Score shot by shot, keeping each character's mean feature per shot for CS-FC.
    scores: list[ShotVisionScores] = []
    appearances: dict[str, list[torch.Tensor]] = {}
    for shot in shots:
        frames = [_open(path) for path in shot.frames]
        crops = _character_crops(shot, frames)
        crop_rows = {name: _embed_groups(encoder, crops) for name, encoder in encoders.items()}
        consistency_rows = crop_rows[consistency] if consistency else {}
        within = [_mean_pairwise(rows) for rows in consistency_rows.values() if rows is not None and len(rows) > 1]
        for character, rows in consistency_rows.items():
            if rows is not None:
                appearances.setdefault(character, []).append(F.normalize(rows.mean(dim=0), dim=0))
        scores.append(
            ShotVisionScores(
                shot_id=shot.shot_id,
                clip_t=clip.text_alignment(frames, shot.prompt) if clip and frames else None,
                clip_i=_to_references(crop_rows.get("clip", {}), reference_rows.get("clip", {})),
                dino=_to_references(crop_rows.get("dino", {}), reference_rows.get("dino", {})),
                arcface=_to_references(crop_rows.get("arcface", {}), reference_rows.get("arcface", {})),
                ws_fc=_mean(within),
            )
        )

    # 4. Cross-shot consistency and the means.
    cs_fc = {character: _mean_pairwise(torch.stack(means)) for character, means in appearances.items() if len(means) > 1}
    return VisionMetrics(
        shots=scores,
        clip_t_mean=_mean([shot.clip_t for shot in scores if shot.clip_t is not None]),
        clip_i_mean=_mean([value for shot in scores for value in shot.clip_i.values()]),
        dino_mean=_mean([value for shot in scores for value in shot.dino.values()]),
        arcface_mean=_mean([value for shot in scores for value in shot.arcface.values()]),
        ws_fc_mean=_mean([shot.ws_fc for shot in scores if shot.ws_fc is not None]),
        cs_fc=cs_fc,
        cs_fc_mean=_mean(list(cs_fc.values())),
        models=models,
    )


# --------------------------------------------------------------------------------------------- encoders


class _Encoder(Protocol):
    def embed(self, images: Sequence[Image.Image]) -> list[torch.Tensor | None]:
        """One unit vector per image, or None where the image has nothing to embed (no face)."""
        ...


class _ImageEncoder:
    """A transformers vision model and its processor, embedding images `batch_size` at a time."""

    def __init__(self, model: Any, processor: Any, device: str, batch_size: int):
        self.model, self.processor, self.device, self.batch_size = model, processor, device, batch_size

    @torch.no_grad()
    def embed(self, images: Sequence[Image.Image]) -> list[torch.Tensor | None]:
        batches = []
        for start in range(0, len(images), self.batch_size):
            batch = list(images[start : start + self.batch_size])
            pixels = self.processor(images=batch, return_tensors="pt")["pixel_values"].to(self.device)
            batches.append(self.features(pixels).float().cpu())
        rows: list[torch.Tensor | None] = list(F.normalize(torch.cat(batches), dim=-1)) if batches else []
        return rows

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class _ClipEncoder(_ImageEncoder):
    """CLIPModel image and text embeddings, projected into the shared space."""

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        return _pooled(self.model.get_image_features(pixel_values=pixels))

    @torch.no_grad()
    def text_alignment(self, frames: Sequence[Image.Image], prompt: str) -> float | None:
        if not prompt.strip():
            return None
        tokens = self.processor(
            text=[prompt],
            padding=True,
            truncation=True,
            max_length=self.model.config.text_config.max_position_embeddings,
            return_tensors="pt",
        ).to(self.device)
        text = F.normalize(_pooled(self.model.get_text_features(**tokens)).float().cpu(), dim=-1)[0]
        images = torch.stack([row for row in self.embed(frames) if row is not None])
        return round(float((images @ text).mean()), 4)


class _DinoEncoder(_ImageEncoder):
    """The CLS feature of a self-supervised ViT (DINOv2): sensitive to appearance, blind to text."""

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        output = self.model(pixel_values=pixels)
        pooled = getattr(output, "pooler_output", None)
        return pooled if pooled is not None else output.last_hidden_state[:, 0]


class _FaceEncoder:
    """ArcFace embeddings (insightface's recognition model) of the largest face its detector finds."""

    def __init__(self, analysis: Any):
        self.analysis = analysis

    def embed(self, images: Sequence[Image.Image]) -> list[torch.Tensor | None]:
        vectors: list[torch.Tensor | None] = []
        for image in images:
            faces = self.analysis.get(np.asarray(image)[:, :, ::-1])  # insightface reads BGR, as OpenCV does
            if not faces:
                vectors.append(None)
                continue
            largest = max(faces, key=lambda face: (face.bbox[2] - face.bbox[0]) * (face.bbox[3] - face.bbox[1]))
            vectors.append(F.normalize(torch.as_tensor(np.asarray(largest.normed_embedding, dtype=np.float32)), dim=0))
        return vectors


def _pooled(output: Any) -> torch.Tensor:
    # transformers 5 returns the projected embedding as the output's pooler_output; 4.x returns the tensor.
    return output if isinstance(output, torch.Tensor) else output.pooler_output


def _embed_groups(encoder: _Encoder, groups: dict[Key, list[Image.Image]]) -> dict[Key, torch.Tensor | None]:
    """Each group's rows (images without a feature left out; None if none has one), from one batched pass
    that embeds every distinct image object once."""
    distinct = {id(image): image for images in groups.values() for image in images}
    vectors = dict(zip(distinct, encoder.embed(list(distinct.values()))))
    grouped: dict[Key, torch.Tensor | None] = {}
    for key, images in groups.items():
        rows = [vector for image in images if (vector := vectors[id(image)]) is not None]
        grouped[key] = torch.stack(rows) if rows else None
    return grouped


# --------------------------------------------------------------------------------------------- loading


def _check_device(device: str) -> None:
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(
            f"the vision metrics should run on '{device}', but torch sees no CUDA GPU here",
            fix="set the device to cpu, or install a CUDA build of torch",
        )


def _load_clip(options: VisionOptions) -> tuple[_ClipEncoder | None, str]:
    """The encoder and the model it loaded, or None and why not; the same for the two loaders below."""
    if not options.clip_model:
        return None, "not used: no clip_model given"
    from transformers import AutoProcessor, CLIPModel

    name = options.clip_model
    model = _load("CLIP", name, lambda: CLIPModel.from_pretrained(name, local_files_only=options.local_files_only))
    processor = _load("CLIP", name, lambda: AutoProcessor.from_pretrained(name, local_files_only=options.local_files_only))
    return _ClipEncoder(model.to(options.device).eval(), processor, options.device, options.batch_size), name


def _load_dino(options: VisionOptions) -> tuple[_DinoEncoder | None, str]:
    if not options.dino_model:
        return None, "not used: no dino_model given"
    from transformers import AutoImageProcessor, AutoModel

    name = options.dino_model
    model = _load("DINO", name, lambda: AutoModel.from_pretrained(name, local_files_only=options.local_files_only))
    processor = _load("DINO", name, lambda: AutoImageProcessor.from_pretrained(name, local_files_only=options.local_files_only))
    return _DinoEncoder(model.to(options.device).eval(), processor, options.device, options.batch_size), name


def _load_arcface(options: VisionOptions) -> tuple[_FaceEncoder | None, str]:
    if not options.arcface_model:
        return None, "not used: no arcface_model given"
    try:
        from insightface.app import FaceAnalysis
    except ImportError:
        return None, "not used: insightface is not installed (pip install insightface onnxruntime)"
    pack = Path(options.arcface_model).expanduser()
    # insightface reads ROOT/models/NAME/*.onnx and downloads what is not there: demand the folder as it expects it.
    if not (pack.is_dir() and pack.parent.name == "models" and any(pack.glob("*.onnx"))):
        raise InputError(
            f"there is no insightface model pack at {pack}",
            path=pack,
            fix="give the pack's folder inside a models/ folder, with its .onnx files (e.g. ~/.insightface/models/buffalo_l)",
        )
    on_gpu = options.device.startswith("cuda")
    analysis = FaceAnalysis(
        name=pack.name,
        root=str(pack.parent.parent),
        allowed_modules=["detection", "recognition"],
        providers=["CUDAExecutionProvider", "CPUExecutionProvider"] if on_gpu else ["CPUExecutionProvider"],
    )
    analysis.prepare(ctx_id=int(options.device.partition(":")[2] or 0) if on_gpu else -1)
    return _FaceEncoder(analysis), str(pack)


def _load(what: str, name: str, load: Callable[[], Loaded]) -> Loaded:
    local = name.startswith(("/", ".", "~")) or Path(name).expanduser().exists()
    if local and not Path(name).expanduser().is_dir():
        raise InputError(f"there is no {what} model folder at {name}", path=name, fix=_fetch_hint(name, local=True))
    try:
        return load()
    except (OSError, ValueError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(
            f"cannot load the {what} model '{name}': {first_line[:300]}", fix=_fetch_hint(name, local=local)
        ) from None


def _fetch_hint(name: str, *, local: bool) -> str:
    if local:
        return "give the folder save_pretrained wrote for the model and its processor (config.json, weights, processor files)"
    return fetch_command(name)


# --------------------------------------------------------------------------------------------- images and maths


def _open(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except OSError as error:
        problem = "there is no such image" if isinstance(error, FileNotFoundError) else "Pillow cannot read this image"
        raise InputError(problem, path=path, fix="give a readable PNG or JPEG") from None


def _character_crops(shot: ShotSample, frames: list[Image.Image]) -> dict[str, list[Image.Image]]:
    """Each character's part of every frame, squared; characters without a box share the squared frames."""
    squared: list[Image.Image] = []
    crops: dict[str, list[Image.Image]] = {}
    for character in dict.fromkeys(shot.character_ids):
        box = shot.boxes.get(character)
        if box is None:
            squared = squared or [_square(frame) for frame in frames]
            crops[character] = squared
        else:
            crops[character] = [_square(_crop(frame, box)) for frame in frames]
    return crops


def _crop(image: Image.Image, box: NormalisedBox) -> Image.Image:
    """The box's pixels, clipped to the frame; never empty, so a figure half out of frame keeps what shows."""
    x, y, w, h = box
    width, height = image.size
    left = min(max(round(x * width), 0), width - 1)
    top = min(max(round(y * height), 0), height - 1)
    right = min(max(round((x + w) * width), left + 1), width)
    bottom = min(max(round((y + h) * height), top + 1), height)
    return image.crop((left, top, right, bottom))


def _square(image: Image.Image) -> Image.Image:
    """Centred on black to a square: the processors' centre crop would cut a standing figure's head off."""
    side = max(image.size)
    if image.size == (side, side):
        return image
    canvas = Image.new("RGB", (side, side))
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def _to_references(crops: dict[str, torch.Tensor | None], references: dict[str, torch.Tensor | None]) -> dict[str, float]:
    """Per character: the mean cosine between its crops and its reference images."""
    scores = {}
    for character, rows in crops.items():
        reference = references.get(character)
        if rows is not None and reference is not None:
            scores[character] = round(float((rows @ reference.T).mean()), 4)
    return scores


def _mean_pairwise(rows: torch.Tensor) -> float:
    """The mean cosine over the distinct pairs i < j of unit rows."""
    similarity = rows @ rows.T
    upper = torch.triu_indices(len(rows), len(rows), offset=1)
    return round(float(similarity[upper[0], upper[1]].mean()), 4)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
