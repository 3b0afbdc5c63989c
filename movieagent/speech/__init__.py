"""Speech: the stage that voices every line (stage.py), and one module per voice backend.

stage.py          plan lines -> one WAV per line, cached by text, voice and backend settings
espeak.py         espeak-ng, offline, no weights: the embedded default
espeak_worker.py  the one-line espeak-ng process espeak.py runs
"""
