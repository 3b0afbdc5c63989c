"""Tiny random image-to-video pipelines of the real diffusers classes, saved with save_pretrained.

The backends load them through the same `from_pretrained` path as real weights. Tokenizers are built
offline from a small vocabulary. `save_wan_i2v` also builds full-size Wan architectures for
benchmarks/gpu_render.py: the same builder, other sizes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

WORDS = [
    "the", "a", "an", "and", "of", "in", "on", "at", "to", "with", "camera", "pans", "tilts", "left", "right", "up",
    "down", "slowly", "dolly", "zoom", "static", "man", "woman", "keeper", "walks", "talks", "looks", "speaking",
    "room", "kitchen", "night", "day", "light", "sea", "lighthouse", "storm",
]  # fmt: skip


def tiny_t5_tokenizer() -> Any:
    """A T5/UMT5-style tokenizer (pad 0, eos 1, unk 2) from a few words and the letters, offline."""
    from transformers import T5Tokenizer

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    pieces += [(f"\u2581{word}", -float(rank)) for rank, word in enumerate(WORDS)]
    pieces += [(character, -100.0) for character in "abcdefghijklmnopqrstuvwxyz.,;:'!?-\u2581"]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


# A one-layer T5 encoder: the text encoder of every tiny pipeline here.
TINY_T5 = {
    "vocab_size": 128, "d_model": 32, "d_kv": 8, "d_ff": 32, "num_layers": 1, "num_heads": 4, "relative_attention_num_buckets": 8,
}  # fmt: skip


@contextlib.contextmanager
def building(device: str, dtype: torch.dtype) -> Iterator[None]:
    """New modules get their random weights directly on `device` in `dtype` (full-size models: fast, no fp32 copy)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            yield
    finally:
        torch.set_default_dtype(previous)


@dataclass(frozen=True)
class WanSizes:
    """Sizes of the parts of a Wan image-to-video model; the defaults are tiny."""

    transformer: dict[str, Any] = field(
        default_factory=lambda: {
            "num_attention_heads": 2, "attention_head_dim": 8, "ffn_dim": 32, "num_layers": 2, "text_dim": 32,
            "freq_dim": 32, "rope_max_seq_len": 32,
        }
    )  # fmt: skip
    text_encoder: dict[str, Any] = field(default_factory=lambda: dict(TINY_T5))
    image_encoder: dict[str, Any] = field(
        default_factory=lambda: {
            "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
            "image_size": 32, "patch_size": 8, "projection_dim": 8,
        }
    )  # fmt: skip
    vae: dict[str, Any] = field(
        default_factory=lambda: {
            "base_dim": 4, "z_dim": 16, "dim_mult": [1, 1, 1, 1], "num_res_blocks": 1,
            "temperal_downsample": [False, True, True],
        }
    )  # fmt: skip


def save_wan_i2v(
    folder: Path,
    sizes: WanSizes = WanSizes(),
    *,
    image_encoder: bool = True,
    first_last: bool = False,
    two_experts: bool = False,
    ti2v: bool = False,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Path:
    """A WanImageToVideoPipeline folder.

    `image_encoder=True` is Wan 2.1 I2V (a CLIP vision encoder feeds the transformer), with `first_last=True`
    Wan 2.1 FLF2V (the encoder sees a first and a last frame, told apart by learned positions); False with
    `two_experts=True` is Wan 2.2 I2V A14B (no encoder; a high-noise and a low-noise transformer), with
    `ti2v=True` Wan 2.2 TI2V 5B (one transformer; the Wan 2.2 VAE packs 2x2 pixels and compresses 16x; the
    still enters as the first latent frame, kept at timestep 0).
    """
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    vision = CLIPVisionConfig(**sizes.image_encoder) if image_encoder else None
    vae_config = sizes.vae
    if ti2v:
        vae_config = {**vae_config, "is_residual": True, "in_channels": 12, "out_channels": 12, "patch_size": 2, "scale_factor_spatial": 16}
    latent_channels = vae_config.get("z_dim", 16)
    transformer_config = dict(
        patch_size=(1, 2, 2),
        # TI2V: the noise alone; I2V: noise (16) + the first/last-frame mask (4) + the encoded stills (16)
        in_channels=latent_channels if ti2v else 36,
        out_channels=latent_channels,
        image_dim=vision.hidden_size if vision else None,
        added_kv_proj_dim=sizes.transformer["num_attention_heads"] * sizes.transformer["attention_head_dim"] if vision else None,
        # Two stills of (patches + the class token) each.
        pos_embed_seq_len=2 * ((vision.image_size // vision.patch_size) ** 2 + 1) if vision and first_last else None,
        **sizes.transformer,
    )
    with building(device, dtype):
        parts: dict[str, Any] = {
            "tokenizer": tiny_t5_tokenizer(),
            "text_encoder": UMT5EncoderModel(UMT5Config(**sizes.text_encoder)).eval(),
            "vae": AutoencoderKLWan(**vae_config).eval(),
            "scheduler": UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0),
            "transformer": WanTransformer3DModel(**transformer_config).eval(),
            "transformer_2": WanTransformer3DModel(**transformer_config).eval() if two_experts else None,
            "boundary_ratio": 0.875 if two_experts else None,
            "expand_timesteps": ti2v,
        }
        if vision is not None:
            parts["image_encoder"] = CLIPVisionModel(vision).eval()
            parts["image_processor"] = CLIPImageProcessor(
                crop_size=vision.image_size, size={"shortest_edge": vision.image_size}, do_center_crop=True
            )
    WanImageToVideoPipeline(**parts).save_pretrained(folder)
    return folder


def save_wan_vace(folder: Path, sizes: WanSizes = WanSizes(), *, device: str = "cpu", dtype: torch.dtype = torch.float32) -> Path:
    """A WanVACEPipeline folder (Wan 2.1 VACE): a Wan transformer with VACE blocks beside layers 0 and 1 that read the
    conditioning video, its mask and the reference images."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACEPipeline, WanVACETransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    latent_channels = sizes.vae.get("z_dim", 16)
    with building(device, dtype):
        WanVACEPipeline(
            tokenizer=tiny_t5_tokenizer(),
            text_encoder=UMT5EncoderModel(UMT5Config(**sizes.text_encoder)).eval(),
            vae=AutoencoderKLWan(**sizes.vae).eval(),
            scheduler=UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0),
            transformer=WanVACETransformer3DModel(
                patch_size=(1, 2, 2),
                in_channels=latent_channels,
                out_channels=latent_channels,
                # The video's latents, kept and to draw (2 x 16), and its mask folded 8x8 into channels (64).
                vace_in_channels=2 * latent_channels + 64,
                vace_layers=list(range(sizes.transformer["num_layers"])),
                **sizes.transformer,
            ).eval(),
        ).save_pretrained(folder)
    return folder


def save_ltx_i2v(folder: Path) -> Path:
    """An LTXImageToVideoPipeline folder (the VAE compresses 4x in time and space here, 8x and 32x in the real one)."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    no = (False,) * 5
    LTXImageToVideoPipeline(
        tokenizer=tiny_t5_tokenizer(),
        text_encoder=T5EncoderModel(T5Config(**TINY_T5)).eval(),
        vae=AutoencoderKLLTXVideo(
            latent_channels=8,
            block_out_channels=(8, 8, 8, 8),
            decoder_block_out_channels=(8, 8, 8, 8),
            layers_per_block=(1, 1, 1, 1, 1),
            decoder_layers_per_block=(1, 1, 1, 1, 1),
            spatio_temporal_scaling=(True, True, False, False),
            decoder_spatio_temporal_scaling=(True, True, False, False),
            decoder_inject_noise=no,
            upsample_residual=no[:4],
            upsample_factor=(1, 1, 1, 1),
            patch_size=1,
        ).eval(),
        scheduler=FlowMatchEulerDiscreteScheduler(),
        transformer=LTXVideoTransformer3DModel(
            in_channels=8,
            out_channels=8,
            num_attention_heads=2,
            attention_head_dim=8,
            cross_attention_dim=16,
            num_layers=2,  # the first-block cache needs a head block and a tail block
            caption_channels=32,
        ).eval(),
    ).save_pretrained(folder)
    return folder


def save_cogvideox_i2v(folder: Path) -> Path:
    """A CogVideoXImageToVideoPipeline folder with learned positions, like CogVideoX-5b-I2V: it draws at one size only."""
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXImageToVideoPipeline,
        CogVideoXTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    CogVideoXImageToVideoPipeline(
        tokenizer=tiny_t5_tokenizer(),
        text_encoder=T5EncoderModel(T5Config(**TINY_T5)).eval(),
        vae=AutoencoderKLCogVideoX(
            block_out_channels=(8, 8, 8, 8),
            latent_channels=4,
            layers_per_block=1,
            norm_num_groups=2,
            temporal_compression_ratio=4,
        ).eval(),
        scheduler=CogVideoXDDIMScheduler(),
        transformer=CogVideoXTransformer3DModel(
            num_attention_heads=2,
            attention_head_dim=16,  # split in 4 + 6 + 6 rotary channels for time, height, width
            in_channels=8,  # noise latents + the keyframe's latents
            out_channels=4,
            time_embed_dim=4,
            text_embed_dim=32,
            num_layers=2,  # the first-block cache needs a head block and a tail block
            sample_width=6,  # latent units: the model draws 48 x 32 pixels
            sample_height=4,
            sample_frames=9,
            max_text_seq_length=16,
            use_rotary_positional_embeddings=True,
            use_learned_positional_embeddings=True,
        ).eval(),
    ).save_pretrained(folder)
    return folder
