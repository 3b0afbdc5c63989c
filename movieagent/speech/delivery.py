"""How a line is said, from the script: its parenthetical, its last punctuation, and where the speaker is.

    (whispering)  -> a whisper: quieter, a little slower (espeak-ng has whisper voices; openai is told so)
    (quietly)     -> soft: a little quieter and slower
    (shouting)    -> a shout: louder, faster, a little higher
    !             -> a little faster and louder;  ?  -> a little higher (and asked as a question)
    (V.O.)        -> close and dry;  (O.S.) -> a little muffled and quieter (speech/audio.py makes the space)

Each backend uses what it can: pace and pitch by all, instructions by those that take them.
"""

from __future__ import annotations

import re

from movieagent.schema import Delivery, Line

# Words of a parenthetical that set the style; the first style whose words appear wins.
STYLE_WORDS = {
    "whisper": ("whisper", "under his breath", "under her breath", "under their breath", "hushed", "sotto voce"),
    "shout": ("shout", "yell", "scream", "bellow", "roar", "loud", "calling out", "calls out", "at the top of"),
    "soft": ("quiet", "soft", "gentl", "murmur", "mutter", "low voice", "tender"),
}
STYLES = {  # style: (level dB, pace, pitch semitones, instructions)
    "normal": (0.0, 1.0, 0.0, ""),
    "whisper": (-6.0, 0.9, 0.0, "Whisper."),
    "soft": (-3.0, 0.95, 0.0, "Speak softly and quietly."),
    "shout": (4.0, 1.06, 1.5, "Shout, loud and urgent."),
}
EXCLAIMED = (1.5, 1.05, 0.5, "With energy.")
ASKED = (0.0, 1.0, 0.5, "Ask it as a question.")
OFF_SCREEN_LEVEL_DB = -3.0


def delivery_for(line: Line) -> Delivery:
    """The line's delivery; a plain line on screen gets the neutral one."""
    parenthetical = (line.parenthetical or "").lower()
    style = next((style for style, words in STYLE_WORDS.items() if any(word in parenthetical for word in words)), "normal")
    level_db, speed, pitch, instructions = STYLES[style]
    ending = re.sub(r"[\s\"'”’)\]]+$", "", line.text)[-1:]
    extra = EXCLAIMED if ending == "!" and style != "whisper" else ASKED if ending == "?" else None
    words = [instructions] if instructions else []
    if extra is not None:
        level_db, speed, pitch = level_db + extra[0], speed * extra[1], pitch + extra[2]
        words.append(extra[3])
    if parenthetical and style == "normal":
        words.append(f"({line.parenthetical.strip()})")  # other directions ('a tight smile') for instruction-taking voices
    space = "voice_over" if line.voice_over else "off_screen" if line.off_screen else "on_screen"
    if space == "off_screen":
        level_db += OFF_SCREEN_LEVEL_DB
        words.append("Heard from off screen, a little distant.")
    elif space == "voice_over":
        words.append("Narration, close to the microphone.")
    return Delivery(
        style=style, space=space, speed=round(speed, 4), pitch_semitones=pitch, level_db=level_db, instructions=" ".join(words)
    )
