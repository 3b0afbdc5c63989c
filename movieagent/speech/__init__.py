"""Speech: the stage that voices every line (stage.py), casting, delivery, and one module per voice backend.

casting.py        preflight, who speaks, and each one's voice from their voice words and description (OUT/voices.json)
stage.py          plan lines -> one WAV per line, cached
delivery.py       how a line is said: parenthetical, punctuation, V.O./O.S.
audio.py          trimming, level, pitch shift, V.O./O.S. space, WAV files
text.py           a line's text as plain words for an engine
weights.py        voice model files: local paths or the Hugging Face cache, and the commands that fetch them
espeak.py         espeak-ng, offline, no weights: the default (espeak_worker.py: the one-line process it runs)
piper.py          Piper neural voices (onnxruntime), optional extra `voices`
openai.py         any OpenAI-compatible /v1/audio/speech server
kokoro.py         Kokoro-82M
chatterbox.py     Chatterbox, zero-shot cloning from the bank's samples
"""
