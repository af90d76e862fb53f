"""What a model was trained on, named from its metrics.json: the corpora lyricgen knows by their sha256
(the built-in poems, the shipped weights' lyrics), text pasted into the Lab, or a corpus file.

The model card (lyricgen.card) words its title, Data section and rights from this; the Lab hashes its text
the same way (text_sha256), so a model trained live on the built-in poems is known for them.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

POEMS_FILE = Path(__file__).with_name("poems.txt")  # the built-in corpus: Tang and Song poems, one line a line
# ../shared/data/jaychou_lyrics.txt, the corpus of the shipped weights (each metrics.json records its sha256)
LYRICS_SHA256 = "6dcda7c4dfad69ea6260346a1dbec5b7835246793b76adc7bf8d7412598dd0d1"


@dataclass
class Data:
    """What a model was trained on, as its card words it."""

    name: str  # in the title: "Jay Chou lyrics"
    zh: str  # the card's Chinese line, which names it too
    tag: str | None  # a hub tag for it ("lyrics", "poetry"), or None when unknown
    about: str  # the Data section's first paragraph
    rights: str  # the Limits section's word on copyright
    start: str  # a start text for the card's generation example


@cache
def poems_sha256() -> str:
    return hashlib.sha256(POEMS_FILE.read_bytes()).hexdigest()


def text_sha256(text: str) -> str:
    """The sha256 a text would have as a UTF-8 file: the built-in poems' text gives the poems file's hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_path(metrics: dict) -> str | None:
    """The corpus file a lyricgen.train run read: metrics' "corpus", else its command's --corpus."""
    if metrics.get("corpus"):
        return str(metrics["corpus"])
    try:
        words = shlex.split(metrics.get("command", ""))
    except ValueError:
        return None
    for k, word in enumerate(words):
        if word == "--corpus" and k + 1 < len(words):
            return words[k + 1]
        if word.startswith("--corpus="):
            return word.split("=", 1)[1]
    return None


def describe_data(metrics: dict) -> Data:
    """The training data, from metrics.json: by its corpus_sha256 when a known corpus, else by where it came from."""
    sha = metrics.get("corpus_sha256")
    lab = "lab_config" in metrics
    if sha == LYRICS_SHA256:
        return Data(
            name="Jay Chou lyrics",
            zh="周杰伦歌词",
            tag="lyrics",
            about="Jay Chou (周杰伦) song lyrics: `jaychou_lyrics.txt`, the classic teaching corpus of the Chinese "
                  "edition of *Dive into Deep Learning* (d2l-zh), one lyric line per line, songs one after another. "
                  "This copy holds the corpus's first lines; the rest are kept aside as an external test set. "
                  "**The corpus is not distributed**, neither with these weights nor in the lyricgen repository: "
                  "the lyrics are copyrighted. Only the model, its vocabulary and hashes of the lines "
                  "(`fingerprint.json`) are here.",
            rights="The training lyrics are copyrighted, and the model can reproduce lines of them: do not publish "
                   "generated lyrics, or use them commercially, as new work. It is for learning how language models "
                   "behave.",
            start="星星",
        )
    if sha is not None and sha == poems_sha256():
        return Data(
            name="classical Chinese poems",
            zh="古诗",
            tag="poetry",
            about="The built-in corpus `lyricgen/poems.txt` (shipped with the lyricgen package): well-known Tang and "
                  "Song poems, public domain, one line of verse per line, without punctuation."
                  + (" Chosen in the Lab as the text to train on." if lab else ""),
            rights="The poems are public domain, but the model can repeat whole lines of famous poems: what it writes "
                   "is not necessarily new.",
            start=str(metrics.get("lab_config", {}).get("start_text") or "明月"),
        )
    if lab:
        return Data(
            name="text pasted into the Lab",
            zh="学生在实验室里粘贴的文字",
            tag=None,
            about="Text pasted into the lyricgen app's *Train it yourself* (自己训练) tab by whoever trained it. "
                  "It is not in this folder, and this card cannot say what it is"
                  + (f"; its sha256 is `{sha}`." if sha else "."),
            rights="The pasted text keeps its own rights (song lyrics usually are copyrighted), and the model can "
                   "reproduce lines of it: do not publish what it generates as new work.",
            start=str(metrics["lab_config"].get("start_text") or "明月"),
        )
    path = corpus_path(metrics)
    where = f"the text file `{path}`" if path else "a text file"
    return Data(
        name=f"`{Path(path).name}`" if path else "a text corpus",
        zh="一个文本语料",
        tag=None,
        about=f"Trained by `lyricgen.train` from {where}, one line per line"
              + (f" (sha256 `{sha}`)" if sha else "") + ". The corpus is not part of this folder.",
        rights="The training text keeps its own rights, and the model can reproduce lines of it: check them before "
               "publishing anything it generates.",
        start="明月",
    )
