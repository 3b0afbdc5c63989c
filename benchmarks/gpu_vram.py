"""GPU memory each GPU profile's weights need, estimated from parameter counts (no GPU, no download, seconds).

    python -m benchmarks.gpu_vram

Every model of every profile is built on PyTorch's meta device from its published config (the real diffusers and
transformers classes, so every parameter is counted, nothing allocated) and its bytes counted in the dtype it runs in
(bf16; Wan's VAE in fp32, as diffusion/video_wan.py loads it). For each phase it prints what the GPU holds at
once under each offload setting of the memory ladder (diffusion/memory.py):
- none: every model of the phase;
- model: the largest model (each one moves to the GPU only while it runs);
- group: the two largest layers (leaf level, streamed: one computing while the next is copied in).
Activations come on top (they grow with the frame size and the clip length) and are NOT estimated here; neither
is the CUDA context (about 0.5 GiB). These are estimates from parameter counts, not measurements on a card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

GIB = 2**30
BF16, FP32 = 2, 4

UMT5_XXL = {
    "vocab_size": 256384, "d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24, "num_heads": 64,
    "feed_forward_proj": "gated-gelu", "relative_attention_num_buckets": 32,
}  # fmt: skip
T5_XXL = {**UMT5_XXL, "vocab_size": 32128}  # T5 v1.1 XXL's encoder (FLUX, LTX-Video, CogVideoX)
CLIP_VIT_H = {"hidden_size": 1280, "intermediate_size": 5120, "num_hidden_layers": 32, "num_attention_heads": 16,
              "image_size": 224, "patch_size": 14, "projection_dim": 1024}  # fmt: skip
WAN_14B = {"num_attention_heads": 40, "attention_head_dim": 128, "ffn_dim": 13824, "num_layers": 40}
WAN_1_3B = {"num_attention_heads": 12, "attention_head_dim": 128, "ffn_dim": 8960, "num_layers": 30}
WAN_5B = {"num_attention_heads": 24, "attention_head_dim": 128, "ffn_dim": 14336, "num_layers": 30}


@dataclass(frozen=True)
class Part:
    name: str
    build: Callable[[], torch.nn.Module]
    bytes_per_weight: int = BF16


def umt5() -> torch.nn.Module:
    from transformers import UMT5Config, UMT5EncoderModel

    return UMT5EncoderModel(UMT5Config(**UMT5_XXL))


def t5() -> torch.nn.Module:
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(**T5_XXL))


def wan_transformer(sizes: dict, **config) -> Callable[[], torch.nn.Module]:
    def build() -> torch.nn.Module:
        from diffusers import WanTransformer3DModel

        return WanTransformer3DModel(**sizes, **config)

    return build


def wan_vae(version: str) -> torch.nn.Module:
    from diffusers import AutoencoderKLWan

    if version == "2.1":
        return AutoencoderKLWan()
    return AutoencoderKLWan(
        base_dim=160, decoder_base_dim=256, z_dim=48, is_residual=True, in_channels=12, out_channels=12, patch_size=2,
        scale_factor_spatial=16, latents_mean=[0.0] * 48, latents_std=[1.0] * 48,
    )  # fmt: skip


def clip_vision() -> torch.nn.Module:
    from transformers import CLIPVisionConfig, CLIPVisionModel

    return CLIPVisionModel(CLIPVisionConfig(**CLIP_VIT_H))


def wan_vace(sizes: dict, vace_layers: list[int]) -> Callable[[], torch.nn.Module]:
    def build() -> torch.nn.Module:
        from diffusers import WanVACETransformer3DModel

        return WanVACETransformer3DModel(**sizes, vace_layers=vace_layers, vace_in_channels=96)

    return build


def sdxl_unet_with_adapters() -> torch.nn.Module:
    """SDXL's UNet with the two IP-Adapters the sdxl backend loads (plus-face and plain, ViT-H), as diffusers loads them."""
    from diffusers import UNet2DConditionModel
    from diffusers.models.embeddings import ImageProjection, IPAdapterPlusImageProjection

    unet = UNet2DConditionModel(
        sample_size=128, block_out_channels=(320, 640, 1280), layers_per_block=2, transformer_layers_per_block=(1, 2, 10),
        attention_head_dim=(5, 10, 20), cross_attention_dim=2048, use_linear_projection=True,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        addition_embed_type="text_time", addition_time_embed_dim=256, projection_class_embeddings_input_dim=2816,
    )  # fmt: skip
    adapters = torch.nn.ModuleList(
        [
            IPAdapterPlusImageProjection(embed_dims=1280, output_dims=2048, hidden_dims=1280, depth=4, dim_head=64, heads=20, num_queries=16),
            ImageProjection(cross_attention_dim=2048, image_embed_dim=1024, num_image_text_embeds=4),
        ]
    )
    # Two adapters: each cross-attention gets a key and a value projection of the image tokens per adapter.
    for name, module in unet.named_modules():
        if name.endswith("attn2"):
            width = module.to_k.out_features
            adapters.append(torch.nn.ModuleList(torch.nn.Linear(2048, width, bias=False) for _ in range(4)))
    return torch.nn.ModuleList([unet, adapters])


def sdxl_text_encoders() -> list[Part]:
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    return [
        Part("CLIP ViT-L text encoder", lambda: CLIPTextModel(CLIPTextConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12))),
        Part(
            "OpenCLIP bigG text encoder",
            lambda: CLIPTextModelWithProjection(
                CLIPTextConfig(hidden_size=1280, intermediate_size=5120, num_hidden_layers=32, num_attention_heads=20, projection_dim=1280)
            ),
        ),
    ]


def sdxl_vae() -> torch.nn.Module:
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4, latent_channels=4, layers_per_block=2,
    )  # fmt: skip


def sdxl_phase() -> list[Part]:
    return [
        Part("SDXL UNet + 2 IP-Adapters", sdxl_unet_with_adapters),
        *sdxl_text_encoders(),
        Part("SDXL VAE", sdxl_vae),
        Part("CLIP ViT-H image encoder", lambda: __import__("transformers").CLIPVisionModelWithProjection(
            __import__("transformers").CLIPVisionConfig(**CLIP_VIT_H))),  # fmt: skip
    ]


def flux_kontext_phase() -> list[Part]:
    from diffusers import FluxTransformer2DModel

    return [
        Part("FLUX.1 Kontext transformer", lambda: FluxTransformer2DModel(guidance_embeds=True)),
        Part("T5-XXL encoder", t5),
        *sdxl_text_encoders()[:1],
        Part("FLUX VAE", lambda: __import__("diffusers").AutoencoderKL(
            block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4, latent_channels=16, layers_per_block=2)),  # fmt: skip
    ]


def wan_phase(transformers: list[Part], *, vae: str = "2.1", image_encoder: bool = False) -> list[Part]:
    return [
        *transformers,
        Part("UMT5-XXL text encoder", umt5),
        *([Part("CLIP ViT-H image encoder", clip_vision)] if image_encoder else []),
        Part(f"Wan {vae} VAE (fp32)", lambda: wan_vae(vae), FP32),
    ]


I2V = {"in_channels": 36, "out_channels": 16}
PROFILES: dict[str, list[tuple[str, Callable[[], list[Part]]]]] = {
    "gpu-wan (Wan 2.1 I2V 14B 480P)": [
        ("keyframes", sdxl_phase),
        ("video", lambda: wan_phase(
            [Part("Wan 2.1 I2V 14B transformer", wan_transformer(WAN_14B, **I2V, image_dim=1280, added_kv_proj_dim=5120))],
            image_encoder=True)),  # fmt: skip
    ],
    "gpu-wan with Wan 2.2 I2V A14B": [
        ("video", lambda: wan_phase([Part(f"Wan 2.2 A14B {which} transformer", wan_transformer(WAN_14B, **I2V)) for which in ("high-noise", "low-noise")])),
    ],
    "gpu-24gb (Wan 2.2 TI2V 5B)": [
        ("keyframes", sdxl_phase),
        ("video", lambda: wan_phase([Part("Wan 2.2 TI2V 5B transformer", wan_transformer(WAN_5B, in_channels=48, out_channels=48))], vae="2.2")),
    ],
    "gpu-vace (Wan 2.1 VACE 14B)": [
        ("video", lambda: wan_phase([Part("Wan 2.1 VACE 14B transformer", wan_vace({**WAN_14B, "in_channels": 16}, list(range(0, 40, 5))))])),
    ],
    "gpu-vace with Wan 2.1 VACE 1.3B": [
        ("video", lambda: wan_phase([Part("Wan 2.1 VACE 1.3B transformer", wan_vace({**WAN_1_3B, "in_channels": 16}, list(range(0, 30, 2))))])),
    ],
    "gpu-ltx (FLUX.1 Kontext + LTX-Video 2B)": [
        ("keyframes", flux_kontext_phase),
        ("video", lambda: [
            Part("LTX-Video 2B transformer", lambda: __import__("diffusers").LTXVideoTransformer3DModel()),
            Part("T5-XXL encoder", t5),
            Part("LTX-Video VAE", lambda: __import__("diffusers").AutoencoderKLLTXVideo()),
        ]),  # fmt: skip
    ],
    "gpu-cogvideox (CogVideoX-5b I2V)": [
        ("video", lambda: [
            Part("CogVideoX-5b transformer", lambda: __import__("diffusers").CogVideoXTransformer3DModel(
                num_attention_heads=48, in_channels=32, num_layers=42, use_rotary_positional_embeddings=True,
                use_learned_positional_embeddings=True)),
            Part("T5-XXL encoder", t5),
            Part("CogVideoX VAE", lambda: __import__("diffusers").AutoencoderKLCogVideoX()),
        ]),  # fmt: skip
    ],
}


def measure(parts: list[Part]) -> list[tuple[str, int, int, list[int]]]:
    """(name, parameters, bytes, bytes of each leaf layer) of every part, built on the meta device."""
    measured = []
    for part in parts:
        with torch.device("meta"):
            model = part.build()
        count = sum(parameter.numel() for parameter in model.parameters())
        # Each weight once: a tied one (T5's shared embedding) belongs to two layers but is copied in once.
        seen: set[int] = set()
        leaves = []
        for leaf in model.modules():
            own = [p for p in leaf.parameters(recurse=False) if id(p) not in seen]
            seen.update(id(p) for p in own)
            leaves.append(sum(p.numel() for p in own) * part.bytes_per_weight)
        measured.append((part.name, count, count * part.bytes_per_weight, leaves))
        del model
    return measured


def main() -> None:
    print("GiB of weights on the GPU at once (estimates from parameter counts; activations and the CUDA context come on top)")
    print(f"{'profile / phase':<52} {'none':>7} {'model':>7} {'group':>7}   parts")
    for profile, phases in PROFILES.items():
        print(profile)
        for phase, parts in phases:
            measured = measure(parts())
            leaves = sorted((leaf for *_, part_leaves in measured for leaf in part_leaves), reverse=True)
            every, largest, streamed = sum(m[2] for m in measured), max(m[2] for m in measured), sum(leaves[:2])
            names = ", ".join(f"{name} {count / 1e9:.2f}B" for name, count, _, _ in measured)
            print(f"  {phase:<50} {every / GIB:7.1f} {largest / GIB:7.1f} {streamed / GIB:7.2f}   {names}")


if __name__ == "__main__":
    main()
