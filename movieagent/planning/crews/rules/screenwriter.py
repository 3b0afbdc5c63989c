"""The screenwriter: the script's own scene as beats, action split into beats of a sentence or two, dialogue verbatim."""

from __future__ import annotations

import re
from typing import Literal

from movieagent.ingest.fountain import is_transition_line
from movieagent.planning.crew import (
    ActionBeat,
    Beat,
    DialogueBeat,
    SceneBeats,
    ScreenwriterTask,
    TransitionBeat,
    characters_named_in,
)
from movieagent.planning.review import spoken_words
from movieagent.schema import ScriptAction, ScriptDialogue, ScriptTransition

# A beat of action is at most a couple of sentences.
ACTION_BEAT_WORDS = 25

OFF_SCREEN_EXTENSIONS = {"VO", "OS", "OC"}
# A closing card that says the film fades out.
THE_END = "THE END"


def scene_beats(task: ScreenwriterTask) -> SceneBeats:
    beats: list[Beat] = []
    for element in task.scene.elements:
        if isinstance(element, ScriptAction) and is_transition_text(element.text):
            beats.append(TransitionBeat(effect=transition_effect(element.text)))
        elif isinstance(element, ScriptAction) and element.text.strip():
            for text in action_beats(element.text):
                beats.append(ActionBeat(text=text, character_ids=characters_named_in(text, task.cast.members)))
        elif isinstance(element, ScriptDialogue) and element.text.strip():
            beats.append(
                DialogueBeat(
                    speaker_id=task.cast.cues[element.cue],
                    text=element.text,
                    parenthetical=element.parenthetical,
                    off_screen=any(
                        re.sub(r"[^A-Z]", "", extension.upper()) in OFF_SCREEN_EXTENSIONS for extension in element.extensions
                    ),
                    voice_over=any(re.sub(r"[^A-Z]", "", extension.upper()) == "VO" for extension in element.extensions),
                    dual=element.dual,
                )
            )
        elif isinstance(element, ScriptTransition):
            beats.append(TransitionBeat(effect=transition_effect(element.text)))
    if not any(isinstance(beat, (ActionBeat, DialogueBeat)) for beat in beats) and task.scene.synopsis:
        for text in action_beats(task.scene.synopsis):
            beats.append(ActionBeat(text=text, character_ids=characters_named_in(text, task.cast.members)))
    return SceneBeats(scene_id=task.brief.scene_id, beats=beats)


def action_beats(paragraph: str) -> list[str]:
    """A long paragraph of action is several beats: whole sentences, about ACTION_BEAT_WORDS words each."""
    beats: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", paragraph.strip()):
        if beats and spoken_words(beats[-1]) + spoken_words(sentence) <= ACTION_BEAT_WORDS:
            beats[-1] = f"{beats[-1]} {sentence}"
        else:
            beats.append(sentence)
    return beats


def is_transition_text(text: str) -> bool:
    return is_transition_line(text) or " ".join(text.split()) == THE_END


def transition_effect(text: str) -> Literal["cut", "fade_in", "fade_out", "dissolve"]:
    words = text.upper()
    if "DISSOLVE" in words:
        return "dissolve"
    if "FADE IN" in words or "FADE UP" in words:
        return "fade_in"
    if "FADE" in words or THE_END in words:
        return "fade_out"
    return "cut"


# --------------------------------------------------------------------------- storyboard artist
