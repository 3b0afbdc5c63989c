"""What the diffusers backends (backends/keyframe_*.py, backends/video_*.py) share: options, loading, memory."""
