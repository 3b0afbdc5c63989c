"""The director: a treatment that reads each scene's gist and turn from the script itself."""

from __future__ import annotations

import re

from movieagent.planning.crew import SceneBrief, Treatment, scene_id
from movieagent.planning.review import spoken_dialogue
from movieagent.schema import Script, ScriptAction, ScriptScene, ScriptTransition

STYLE_GUIDE = "Storyboard animatic: clear staging, soft even light, muted natural colours, 35 mm lens feel"


def treatment(script: Script) -> Treatment:
    return Treatment(
        title=script.title,
        logline=next((scene_gist(scene) for scene in script.scenes if scene_gist(scene)), ""),
        tone="as written",
        style=STYLE_GUIDE,
        scenes=[
            SceneBrief(scene_id=scene_id(scene.index), goal=scene_gist(scene), beat=scene_turn(scene)) for scene in script.scenes
        ],
    )


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "..."


def scene_gist(scene: ScriptScene) -> str:
    """What the scene is about: its synopsis, else its first line of action, else its first line."""
    if scene.synopsis:
        return first_sentence(scene.synopsis)
    texts = [element.text for element in scene.elements if isinstance(element, ScriptAction) and element.text.strip()]
    texts += [element.text for element in spoken_dialogue(scene)]
    return first_sentence(texts[0]) if texts else ""


def scene_turn(scene: ScriptScene) -> str:
    """Where the scene ends up: its last action or line."""
    texts = [element.text for element in scene.elements if not isinstance(element, ScriptTransition) and element.text.strip()]
    return first_sentence(texts[-1]) if texts else ""
