"""Small raster helpers shared by the backdrop, figure and storyboard drawing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageColor, ImageOps

from movieagent.errors import RenderError

RGB = tuple[int, int, int]


def load_image(path: Path, *, what: str, fit_within: tuple[int, int] | None = None) -> Image.Image:
    """Opens a user's image (EXIF rotation applied), or raises RenderError saying which file and why.

    `fit_within` lets JPEG decoding skip detail we would throw away (draft mode), which matters for
    camera photos many times larger than a preview frame.
    """
    try:
        with warnings.catch_warnings():
            # A huge image is refused below by Pillow's DecompressionBombError; the warning before it is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if fit_within is not None:
                    opened.draft("RGB", fit_within)
                image = ImageOps.exif_transpose(opened)
                image.load()
    except FileNotFoundError:
        raise RenderError(f"{what} not found: {path}") from None
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise RenderError(f"{what} cannot be read as an image: {path} ({error})") from None
    return image


def has_transparency(image: Image.Image) -> bool:
    """True for a cut-out: an alpha channel (or palette transparency) that actually hides something."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        alpha = image.convert("RGBA").getchannel("A")
        return alpha.getextrema()[0] < 250
    return False


def cover_fit(image: Image.Image, size: tuple[int, int], *, resample: Image.Resampling = Image.Resampling.LANCZOS) -> Image.Image:
    """Scales and centre-crops `image` to exactly fill `size` (like CSS object-fit: cover)."""
    return ImageOps.fit(image, size, method=resample, centering=(0.5, 0.5))


def parse_colour(colour: str) -> RGB:
    try:
        red, green, blue = ImageColor.getrgb(colour)[:3]
    except ValueError:
        raise RenderError(f"'{colour}' is not a colour; write it as #rrggbb") from None
    return red, green, blue


def mix(first: RGB, second: RGB, amount: float) -> RGB:
    """`first` moved `amount` (0..1) of the way towards `second`."""
    return tuple(round(a + (b - a) * amount) for a, b in zip(first, second, strict=True))  # type: ignore[return-value]


def scale_colour(colour: RGB, factors: tuple[float, float, float]) -> RGB:
    return tuple(min(255, round(c * f)) for c, f in zip(colour, factors, strict=True))  # type: ignore[return-value]


def luminance(colour: RGB) -> float:
    red, green, blue = colour
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    width, height = size
    column = Image.linear_gradient("L").resize((1, max(1, height)), Image.Resampling.BILINEAR)
    return ImageOps.colorize(column, black=top, white=bottom).resize((max(1, width), max(1, height)), Image.Resampling.NEAREST)


def radial_falloff(size: tuple[int, int], *, softness: float = 1.0) -> Image.Image:
    """An 'L' mask that is 255 in the centre and fades to 0 at the ellipse inscribed in `size`."""
    width, height = size
    ys = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    distance = np.sqrt(xs * xs + ys * ys)
    falloff = np.clip(1.0 - distance, 0.0, 1.0) ** softness
    return Image.fromarray(np.round(falloff * 255).astype(np.uint8))
