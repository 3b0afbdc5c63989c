"""Tiny, randomly initialised models of the real pipeline classes the keyframe backends load, written to folders
with save_pretrained so tests go through the same from_pretrained path as real weights. Offline, CPU, seconds.

- build_sdxl: a StableDiffusionXLPipeline folder (two CLIP text encoders, a UNet with SDXL's text-time
  conditioning, an 8x VAE like SDXL's).
- build_ip_adapter: a folder laid out like h94/IP-Adapter: a CLIP image encoder in models/image_encoder and,
  in sdxl_models/, a 'plus' adapter (a resampler over the encoder's hidden states, like the plus-face one)
  and a plain adapter (a projection of the image embedding), both in the original checkpoint layout.
- build_flux_kontext: a FluxKontextPipeline folder (CLIP + T5 text encoders, a Flux transformer, a VAE).
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    EulerDiscreteScheduler,
    FlowMatchEulerDiscreteScheduler,
    FluxKontextPipeline,
    FluxTransformer2DModel,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from safetensors.torch import save_file
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTextModelWithProjection,
    CLIPTokenizer,
    CLIPVisionConfig,
    CLIPVisionModelWithProjection,
    T5Config,
    T5EncoderModel,
    T5Tokenizer,
)

TEXT_WIDTH = 32  # hidden size of every tiny text encoder and of the image encoder
UNET_CROSS_ATTENTION = 2 * TEXT_WIDTH  # SDXL concatenates both text encoders' hidden states
RESAMPLER_WIDTH = 64  # the loader reads the resampler's heads as width // 64
RESAMPLER_QUERIES = 4
RESAMPLER_DEPTH = 4  # the loader always builds four resampler layers
PLAIN_ADAPTER_TOKENS = 4  # the loader's fixed token count for a plain IP-Adapter
PRINTABLE = [chr(code) for code in range(33, 127)]

CHARACTER_ADAPTER = "ip-adapter-plus-face_sdxl_vit-h.safetensors"
LOCATION_ADAPTER = "ip-adapter_sdxl_vit-h.safetensors"


def clip_tokenizer() -> CLIPTokenizer:
    """One token per printable character (no merges): enough to tokenise any English prompt."""
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for character in PRINTABLE:
        vocab[character] = len(vocab)
        vocab[f"{character}</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def t5_tokenizer() -> T5Tokenizer:
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0), *((character, -1.0) for character in PRINTABLE)]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def build_sdxl(folder: Path) -> Path:
    tokenizer = clip_tokenizer()
    text_config = CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=TEXT_WIDTH,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=77,
        projection_dim=TEXT_WIDTH,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=16,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        transformer_layers_per_block=(1, 1),
        use_linear_projection=True,
        cross_attention_dim=UNET_CROSS_ATTENTION,
        norm_num_groups=8,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        # six size/crop numbers embedded 8 wide, plus the second text encoder's pooled projection
        projection_class_embeddings_input_dim=6 * 8 + TEXT_WIDTH,
    )
    pipeline = StableDiffusionXLPipeline(
        vae=_vae(latent_channels=4),
        text_encoder=CLIPTextModel(text_config),
        text_encoder_2=CLIPTextModelWithProjection(text_config),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=unet,
        scheduler=EulerDiscreteScheduler(
            beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", timestep_spacing="leading", steps_offset=1
        ),
        image_encoder=None,
        feature_extractor=None,
    )
    pipeline.save_pretrained(folder)
    return folder


def build_ip_adapter(folder: Path, sdxl: Path) -> Path:
    """An IP-Adapter repo for the tiny SDXL at `sdxl`: the image encoder and the two adapters the backend loads."""
    torch.manual_seed(1)
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=TEXT_WIDTH,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=32,
            patch_size=8,
            projection_dim=TEXT_WIDTH,
        )
    )
    encoder.save_pretrained(folder / "models" / "image_encoder")
    unet = UNet2DConditionModel.from_pretrained(sdxl, subfolder="unet")
    (folder / "sdxl_models").mkdir(parents=True, exist_ok=True)
    save_file(_adapter_weights(unet, _resampler()), folder / "sdxl_models" / CHARACTER_ADAPTER)
    save_file(_adapter_weights(unet, _projection()), folder / "sdxl_models" / LOCATION_ADAPTER)
    return folder


def build_flux_kontext(folder: Path) -> Path:
    clip = clip_tokenizer()
    t5 = t5_tokenizer()
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1,
        in_channels=4,  # the VAE's one latent channel, packed 2x2
        num_layers=1,
        num_single_layers=1,
        attention_head_dim=16,
        num_attention_heads=2,
        joint_attention_dim=TEXT_WIDTH,
        pooled_projection_dim=TEXT_WIDTH,
        guidance_embeds=True,
        axes_dims_rope=(4, 4, 8),
    )
    clip_config = CLIPTextConfig(
        vocab_size=len(clip),
        hidden_size=TEXT_WIDTH,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=77,
        projection_dim=TEXT_WIDTH,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )
    t5_config = T5Config(
        vocab_size=len(t5), d_model=TEXT_WIDTH, d_kv=8, d_ff=37, num_layers=2, num_heads=4, decoder_start_token_id=0
    )
    pipeline = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=_vae(latent_channels=1, shift_factor=0.0609, scaling_factor=1.5035),
        text_encoder=CLIPTextModel(clip_config),
        tokenizer=clip,
        text_encoder_2=T5EncoderModel(t5_config),
        tokenizer_2=t5,
        transformer=transformer,
    )
    pipeline.save_pretrained(folder)
    return folder


def _vae(*, latent_channels: int, **scaling: float) -> AutoencoderKL:
    # Four levels, as in SDXL and Flux, so images are 8x their latents; only a few channels each.
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        layers_per_block=1,
        latent_channels=latent_channels,
        norm_num_groups=4,
        sample_size=64,
        **scaling,
    )


def _adapter_weights(unet: UNet2DConditionModel, image_proj: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """An IP-Adapter checkpoint: 'image_proj.*' and, for every cross-attention of the UNet in order,
    'ip_adapter.<n>.to_k_ip/to_v_ip.weight' (n = 1, 3, 5, ...: the original numbering counts self-attentions too)."""
    weights = {f"image_proj.{name}": tensor for name, tensor in image_proj.items()}
    cross_attentions = [name for name in unet.attn_processors if name.endswith("attn2.processor")]
    for number, name in enumerate(cross_attentions):
        attention = unet.get_submodule(name.removesuffix(".processor"))
        out_features, in_features = attention.to_k.weight.shape
        for projection in ("to_k_ip", "to_v_ip"):
            weights[f"ip_adapter.{2 * number + 1}.{projection}.weight"] = _linear(out_features, in_features)
    return weights


def _projection() -> dict[str, torch.Tensor]:
    """A plain IP-Adapter's image projection: the image embedding -> a few text-like tokens."""
    return {
        "proj.weight": _linear(PLAIN_ADAPTER_TOKENS * UNET_CROSS_ATTENTION, TEXT_WIDTH),
        "proj.bias": torch.zeros(PLAIN_ADAPTER_TOKENS * UNET_CROSS_ATTENTION),
        "norm.weight": torch.ones(UNET_CROSS_ATTENTION),
        "norm.bias": torch.zeros(UNET_CROSS_ATTENTION),
    }


def _resampler() -> dict[str, torch.Tensor]:
    """An IP-Adapter Plus resampler in the original layout: learned queries attend to the encoder's hidden states."""
    width, feed_forward = RESAMPLER_WIDTH, 4 * RESAMPLER_WIDTH
    weights = {
        "latents": torch.randn(1, RESAMPLER_QUERIES, width) / width**0.5,
        "proj_in.weight": _linear(width, TEXT_WIDTH),
        "proj_in.bias": torch.zeros(width),
        "proj_out.weight": _linear(UNET_CROSS_ATTENTION, width),
        "proj_out.bias": torch.zeros(UNET_CROSS_ATTENTION),
        "norm_out.weight": torch.ones(UNET_CROSS_ATTENTION),
        "norm_out.bias": torch.zeros(UNET_CROSS_ATTENTION),
    }
    for layer in range(RESAMPLER_DEPTH):
        attention, feed = f"layers.{layer}.0", f"layers.{layer}.1"
        for norm in ("norm1", "norm2"):
            weights[f"{attention}.{norm}.weight"] = torch.ones(width)
            weights[f"{attention}.{norm}.bias"] = torch.zeros(width)
        weights[f"{attention}.to_q.weight"] = _linear(width, width)
        weights[f"{attention}.to_kv.weight"] = _linear(2 * width, width)
        weights[f"{attention}.to_out.weight"] = _linear(width, width)
        weights[f"{feed}.0.weight"] = torch.ones(width)
        weights[f"{feed}.0.bias"] = torch.zeros(width)
        weights[f"{feed}.1.weight"] = _linear(feed_forward, width)
        weights[f"{feed}.3.weight"] = _linear(width, feed_forward)
    return weights


def _linear(out_features: int, in_features: int) -> torch.Tensor:
    return torch.randn(out_features, in_features) / in_features**0.5
