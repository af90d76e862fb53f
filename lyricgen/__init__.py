"""lyricgen: a teaching demo of word-level recurrent language models (RNN, LSTM, GRU) on Chinese lyrics.

One module a step, in the order the data goes through them:

    tokens.py       text → tokens: jieba words, one lyric line at a time
    vocab.py        tokens → ids: the vocabulary, saved as vocab.json
    corpus.py       lines → ids: the validation tail held out, rare words hidden as <unk>
    data.py         ids → batches: the train/validation split and truncated-BPTT batches
    model.py        the model: embedding → RNN, LSTM or GRU → linear → next-word logits
    cells.py        the three cells' one step written out, for the panels that look inside
    train.py        training: truncated BPTT, early stopping on a held-out tail, the best checkpoint kept
    resume.py       resuming training after the last finished epoch
    checkpoint.py   model → weights folder, written atomically and loaded strictly
    archive.py      a weights folder as a zip: checked before it is unpacked, then loaded strictly
    card.py         a weights folder's model card (its README.md)
    provenance.py   what a model was trained on, named by its corpus's sha256: the card's Data section
    modelscope_sdk.py  the optional ModelScope SDK, imported only when asked for
    hub.py          sharing on the Hugging Face Hub or ModelScope: a weights folder, or the app as a Space or studio
    evaluate.py     perplexity on any lyrics file, scored as validation is
    ngram.py        the baseline to beat: an interpolated Kneser-Ney n-gram model
    generate.py     generation: feed the start words, then sample one word at a time
    sampling.py     choosing the next word: temperature, top-k, top-p, for one request or a batch
    jobs.py         a request to a decoding engine, from the consumer's side and the engine's
    waiting.py      the decoding engine's waiting line
    batch.py        the decoding engine's batch, and the one model step that advances every row
    engine.py       the continuous-batching decoding engine: one loop per model
    cache.py        the continuous cache: remember what followed similar states
    fingerprint.py  the memorization check: hashes of training lines and word n-grams
    classroom.py    the class together: codes, teacher keys, poll answers and the class wall, in SQLite;
                    its parts: class_db.py (the file), class_roster.py (classes, keys, students),
                    class_polls.py (answers, results, reveals), class_wall.py (posts, likes, CSV)
    lab.py          training a small model live, fed the tutorial's way or this project's
    poems.txt       the built-in poems the lab trains on (data, not a module)
    inspect/        the numbers behind the look-inside panels
    web/            the page: limits, input checks, drawing, serving, one module per tab
"""

__version__ = "0.1.0"
