"""Draw every image of the example character banks with Pillow.

    .venv/bin/python -m tools.draw_example_bank [OUTPUT_ROOT]     # default: character_bank/

Characters are full-body, front-facing cut-outs (RGBA, transparent background); locations are flat-colour
backdrops (RGB) with the lower middle kept quiet so that figures stand out in front of them. Everything is
drawn from fixed shapes and fixed seeds, so a re-run reproduces the committed PNGs pixel for pixel. The
drawings live in tools/bank_drawing/ (one module per film's cast and places); this file names the image files.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path

from PIL import Image

from movieagent.workspace import atomic_path
from tools.bank_drawing.borrowed_sugar_cast import draw_arthur, draw_dolores, draw_leo, draw_priya
from tools.bank_drawing.borrowed_sugar_places import draw_kitchen, draw_maple_street, draw_rooftop_garden
from tools.bank_drawing.figure import cut_out, photo_card
from tools.bank_drawing.lighthouse_cast import draw_mara, draw_toby
from tools.bank_drawing.lighthouse_places import draw_lamp_room, draw_rocky_shore

REPO_ROOT = Path(__file__).resolve().parent.parent


# Every image of both banks, by path under the bank root, and how to draw it.
IMAGES: dict[str, Callable[[], Image.Image]] = {
    "lighthouse/mara-quell/mara.png": lambda: cut_out(draw_mara),
    "lighthouse/mara-quell/mara-photo.png": lambda: photo_card(draw_mara, draw_lamp_room),
    "lighthouse/toby-fenn/toby.png": lambda: cut_out(draw_toby),
    "lighthouse/locations/lighthouse-lamp-room/lamp-room.png": draw_lamp_room,
    "lighthouse/locations/rocky-shore/rocky-shore.png": draw_rocky_shore,
    "borrowed-sugar/arthur-penhallow/arthur.png": lambda: cut_out(draw_arthur),
    "borrowed-sugar/priya-nair/priya.png": lambda: cut_out(draw_priya),
    "borrowed-sugar/leo-nair/leo.png": lambda: cut_out(draw_leo, zoom=0.7),
    "borrowed-sugar/dolores-vance/dolores.png": lambda: cut_out(draw_dolores),
    "borrowed-sugar/locations/arthurs-kitchen/kitchen.png": draw_kitchen,
    "borrowed-sugar/locations/maple-street/maple-street.png": draw_maple_street,
    "borrowed-sugar/locations/rooftop-garden/rooftop-garden.png": draw_rooftop_garden,
}


def draw_images(root: Path, only: Iterable[str] | None = None) -> list[Path]:
    """Draws the bank images (all, or the `only` relative paths) under `root`; returns the files written."""
    wanted = list(IMAGES) if only is None else list(only)
    unknown = sorted(set(wanted) - set(IMAGES))
    if unknown:
        raise KeyError(f"no drawing for {unknown}; known: {sorted(IMAGES)}")
    written = []
    for relative in wanted:
        path = root / relative
        with atomic_path(path) as temporary:
            IMAGES[relative]().save(temporary, format="PNG", optimize=True)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        default=REPO_ROOT / "character_bank",
        help="bank root to write into (default: character_bank/)",
    )
    arguments = parser.parse_args()
    for path in draw_images(arguments.root):
        print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
