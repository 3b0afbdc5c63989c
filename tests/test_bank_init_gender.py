"""`movieagent bank init` writes a character's gender where the script says it, and casting follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from movieagent.config import BackendChoice
from movieagent.ingest import load_bank, load_script
from movieagent.ingest.bank_init import draft_bank, init_bank
from movieagent.ingest.gender_words import gender_in_name
from movieagent.speech.casting import script_casting

SCRIPT = """Title: Night Ferry

INT. FERRY LOUNGE - NIGHT

PRIYA, 34, a tall woman in a green coat, pours coffee. DEV (10, sleepy) drags his feet to the window. He yawns.

SAM stares at the kettle.

Dev presses his nose to the glass. His breath fogs it.

ROBIN, a broad-shouldered man with a beard, sits down. She waits. Robin checks her watch. Robin shrugs her coat off.

His sister NELL watches DEV. He waves at her.

DEV trips over the bag. Nobody looks up.

Dev sighs. He sits on the floor, his chin on his knees.

A MAN'S VOICE (O.S.)
Last call.

LITTLE GIRL
Is it morning?

MRS. HALE
Not yet.

PRIYA
Sit down.

DEV
I can't sleep.

SAM
Nobody can.

ROBIN
Quiet, all of you.

NELL
Shh.
"""


def genders(text: str, tmp_path: Path) -> dict[str, str | None]:
    path = tmp_path / "film.fountain"
    path.write_text(text, encoding="utf-8")
    return {character.name: character.gender for character in draft_bank(load_script(path)).characters}


def test_the_script_says_the_gender_and_an_unsaid_one_stays_unsaid(tmp_path):
    assert genders(SCRIPT, tmp_path) == {
        "A Man's Voice": "male",  # the name's own words
        "Little Girl": "female",
        "Mrs. Hale": "female",
        "Priya": "female",  # 'a tall woman' in her introduction
        "Dev": "male",  # three sentences about him say 'he' or 'his' after his name
        "Sam": None,  # nothing said: casting chooses freely
        "Robin": "male",  # the description ('a ... man') wins over the pronouns after the name
        "Nell": "female",  # 'his sister NELL': 'He waves at her' is Dev's
    }


def test_the_written_bank_says_it_and_leaves_out_what_the_script_does_not(tmp_path):
    script = tmp_path / "film.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    init_bank(script, tmp_path / "bank")

    def voice(folder: str) -> dict | None:
        return yaml.safe_load((tmp_path / "bank" / folder / "character.yaml").read_text(encoding="utf-8")).get("voice")

    assert voice("dev") == {"gender": "male", "age": "child"}
    assert voice("little-girl") == {"gender": "female"}
    assert voice("sam") is None
    assert load_bank(tmp_path / "bank").find_character("PRIYA").voice.gender == "female"


def test_pronouns_need_a_clear_majority_and_an_english_script(tmp_path):
    mixed = "INT. HALL - DAY\n\nALEX waves. He smiles.\n\nAlex sits. She frowns.\n\nAlex stands. He leaves.\n\nALEX\nBye.\n"
    assert genders(mixed, tmp_path) == {"Alex": None}  # two 'he' and one 'she': 67 %, not enough
    assert genders(mixed.replace("She frowns", "He frowns"), tmp_path) == {"Alex": "male"}
    assert set(genders("Language: fr\n\n" + SCRIPT, tmp_path).values()) == {None}  # English words only


def test_the_head_noun_of_a_name_decides():
    assert gender_in_name(["GIRL'S FATHER"]) == "male"
    assert gender_in_name(["MOTHER OF THE GROOM"]) == "female"
    assert gender_in_name(["WOMAN'S VOICE"]) == "female"
    assert gender_in_name(["POLICEWOMAN"]) == "female"
    assert gender_in_name(["MRS. FREEMAN"]) == "female"  # a surname ending in 'man' is no man
    assert gender_in_name(["KARL", "KARL THE GIANT"]) is None
    assert gender_in_name(["BOY", "GIRL"]) is None  # spellings that disagree say nothing


BIG_FISH = {
    "edward-bloom": "male",
    "will-bloom": "male",
    "karl": "male",
    "amos-calloway": "male",
    "sandra": "female",
    "josephine": "female",
    "jenny": "female",
    "a-man-s-voice": "male",
    "man-s-voice": "male",
    "a-girl-s-voice": "female",
    "little-girl": "female",
}


@pytest.mark.parametrize("name", ["big-fish", "big-fish-smart-quotes"])
def test_big_fish_drafts_its_genders_and_edward_gets_a_male_voice(fountain_corpus, tmp_path, name):
    script = fountain_corpus / f"{name}.fountain"
    if not script.is_file():
        pytest.skip(f"{script} is not in the corpus")
    draft, _ = init_bank(script, tmp_path / "bank")

    said = {character.folder: character.gender for character in draft.characters}
    assert {folder: said.get(folder) for folder in BIG_FISH} == BIG_FISH
    assert 15 <= sum(gender is not None for gender in said.values()) < len(said)  # many, not all: 'Kid', 'Cashier' say none

    bank = load_bank(tmp_path / "bank")
    casting = script_casting(load_script(script), bank, BackendChoice(kind="espeak"))
    voices = {voice.character_id: voice.voice for voice in casting.voices}
    assert voices["edward-bloom"].startswith("m") and voices["a-man-s-voice"].startswith("m")  # espeak's male variants
    assert voices["sandra"].startswith("f") and voices["josephine"].startswith("f")
