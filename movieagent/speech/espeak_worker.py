"""Speaks ONE utterance with the espeak-ng C library, in a process of its own, then exits.

Run by speech/espeak.py as `python -I espeak_worker.py` with a JSON request on stdin:
{"library", "data", "voice", "pitch", "words_per_minute", "text", "output"}. Writes a mono 16-bit WAV
to "output". Exit status 0: done; VOICE_NOT_FOUND: espeak-ng has no such voice; anything else: failed,
with the reason on stderr.

Why a process per utterance: the library keeps synthesis state between calls (pitch flutter phase,
wave cycle position), so in a long-lived process the same text comes out slightly different depending
on what was spoken before. A fresh process with a fixed random seed makes the samples a function of
the request alone, and a crash inside the C library cannot take the caller down.

Standard library only, and no movieagent imports: starting it must stay cheap (~30 ms).
"""

from __future__ import annotations

import ctypes
import json
import sys
import wave
from array import array

VOICE_NOT_FOUND = 3

# Values from espeak-ng's speak_lib.h.
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit()
POS_CHARACTER = 1
CHARS_UTF8 = 1  # text flags: UTF-8 input; SSML and phoneme input stay off, so the text is only ever spoken
PARAMETER_RATE = 1
PARAMETER_PITCH = 3
EE_OK = 0
EE_NOT_FOUND = 2
RANDOM_SEED = 1

SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def speak(request: dict) -> int:
    library = ctypes.CDLL(request["library"])
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    library.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    # text, size, position, position type, end position, flags, unique identifier, user data
    library.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
        ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
    ]

    sample_rate = library.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, request["data"].encode(), INITIALIZE_DONT_EXIT)
    if sample_rate <= 0:
        print(f"espeak-ng could not start with its data folder {request['data']}", file=sys.stderr)
        return 1

    # espeak-ng seeds its random generator (used for breathy voices) from the clock; fix it for repeatable output.
    if hasattr(library, "espeak_ng_SetRandSeed"):
        library.espeak_ng_SetRandSeed(ctypes.c_long(RANDOM_SEED))

    samples = array("h")

    @SYNTH_CALLBACK
    def collect(wav, count, events):
        if wav and count > 0:
            samples.frombytes(ctypes.string_at(wav, count * 2))
        return 0  # keep going

    library.espeak_SetSynthCallback(collect)
    status = library.espeak_SetVoiceByName(request["voice"].encode())
    if status == EE_NOT_FOUND:
        return VOICE_NOT_FOUND
    if status != EE_OK:
        print(f"espeak-ng could not load voice {request['voice']!r} (status {status})", file=sys.stderr)
        return 1
    library.espeak_SetParameter(PARAMETER_RATE, request["words_per_minute"], 0)
    library.espeak_SetParameter(PARAMETER_PITCH, request["pitch"], 0)

    text = request["text"].encode("utf-8") + b"\0"
    status = library.espeak_Synth(text, len(text), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
    if status == EE_OK:
        status = library.espeak_Synchronize()
    if status != EE_OK:
        print(f"espeak-ng failed to synthesise (status {status})", file=sys.stderr)
        return 1

    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    with wave.open(request["output"], "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(sample_rate)
        output.writeframes(samples.tobytes())
    return 0


if __name__ == "__main__":
    sys.exit(speak(json.load(sys.stdin)))
