"""lyricgen: a teaching demo of word-level recurrent language models (RNN, LSTM, GRU) on Chinese lyrics.

The package follows the data's path, one module a step:
text → tokens (tokens.py) → ids (vocab.py) → batches (data.py) → model (model.py)
→ checkpoint (checkpoint.py) → generation (generate.py); plus training (train.py), evaluation
(evaluate.py), a Kneser-Ney n-gram baseline (ngram.py) and a memorization fingerprint (fingerprint.py).
"""

__version__ = "0.1.0"
