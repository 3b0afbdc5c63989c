"""Rendering with diffusers: shared code, then one file per model family (see movieagent.backends.BACKENDS).

loading.py                 DiffusionOptions: dtype, device, offload, VAE tiling, attention backend, cache hooks
memory.py                  the memory ladder after running out of GPU memory, and what each step needs
backend.py                 the lazy-loading base every diffusion backend shares (memory ladder, preflight)
downloads.py               `movieagent fetch`: exactly the files a profile's models load, into the HF cache
keyframes.py               what a keyframe shows: prompt, character boxes, reference pictures
clips.py                   frame counts by model rule, retiming and scaling to the shot
image_to_video.py          the template the video model files fill in
keyframe_sdxl.py           SDXL + masked IP-Adapters
keyframe_flux_kontext.py   FLUX.1 Kontext from a collage
video_wan.py, video_ltx.py, video_cogvideox.py   image-to-video model families
video_wan_vace.py          Wan VACE: the keyframe plus the bank's pictures as references
"""
