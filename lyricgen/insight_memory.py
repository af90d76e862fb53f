"""Did the model write this, or remember it? Generated lines checked against the training fingerprint.

Training saves hashes of its lines and of every run of RUN_WORDS (6) words (fingerprint.py), not
the lyrics. A generated line whose words hash like a training line was copied whole; a run of six
or more words hashing like a training run was copied in part, perhaps across a line break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint
from .checks import InputError, check_text
from .fingerprint import Fingerprint
from .insight import esc
from .tokens import EOL, join_words, split_words

MAX_MEMORY_WORDS = 2000  # words checked at once: far more than one generation
RUN_STYLE = "text-decoration:underline 2px #c0392b"  # words inside a copied run


@dataclass
class LineMark:
    index: int  # line number, from 0
    words: list[str]
    seen: bool  # the whole line occurs verbatim in the training lyrics
    copied: list[bool]  # per word: inside a copied run of ≥ run_words words

    @property
    def text(self) -> str:
        return join_words(self.words)


@dataclass
class MemoryReport:
    lines: list[LineMark]  # the non-empty lines, in order
    spans: list[tuple[int, int]]  # copied runs as (start, end) in the word stream ("\n" between lines)
    run_words: int  # a copied run is at least this many words

    @property
    def seen_lines(self) -> int:
        return sum(line.seen for line in self.lines)

    @property
    def seen_share(self) -> float:
        """Share of the lines that occur verbatim in training: the headline number."""
        return self.seen_lines / max(1, len(self.lines))

    @property
    def copied_word_share(self) -> float:
        """Share of the words that lie in a copied run."""
        words = [c for line in self.lines for c in line.copied]
        return sum(words) / max(1, len(words))

    def summary(self) -> str:
        """One bilingual sentence with the figures."""
        return (f"{len(self.lines)} 行中有 {self.seen_lines} 行（{self.seen_share:.0%}）与训练歌词完全相同；"
                f"{self.copied_word_share:.0%} 的词落在连续 {self.run_words} 个词以上的照抄片段里。 · "
                f"{self.seen_lines} of {len(self.lines)} lines ({self.seen_share:.0%}) occur verbatim in the "
                f"training lyrics; {self.copied_word_share:.0%} of the words lie in copied runs of "
                f"{self.run_words}+ words.")


def fingerprint_of(ckpt: Checkpoint) -> Fingerprint:
    """The checkpoint's fingerprint, or an InputError when its folder has no fingerprint.json."""
    if not ckpt.fingerprint:
        raise InputError("这个模型没有指纹文件（fingerprint.json），无法检查照抄",
                           "this model has no fingerprint.json, so copying cannot be checked")
    # Building the hash sets takes milliseconds; do it once per loaded checkpoint, not per request.
    cached = _FINGERPRINTS.get(id(ckpt.fingerprint))
    if cached is None or cached[0] is not ckpt.fingerprint:
        cached = _FINGERPRINTS[id(ckpt.fingerprint)] = (ckpt.fingerprint, Fingerprint(ckpt.fingerprint))
    return cached[1]


_FINGERPRINTS: dict[int, tuple[dict, Fingerprint]] = {}  # id(fingerprint.json data) → (that data, its sets)


def to_stream(words_or_text: Sequence[str] | str) -> list[str]:
    """Tokens (EOL or "\\n" for line breaks) or text → the fingerprint's stream: words, "\\n" between lines.

    Text is split line by line with jieba, as the training lines were; a token list is taken as it
    is, since those are the very words the model produced.
    """
    if isinstance(words_or_text, str):
        text = check_text(words_or_text, MAX_MEMORY_WORDS * 4, "歌词", "lyrics", blank_ok=False)
        stream: list[str] = []
        for line in text.splitlines():
            stream.extend(split_words(line))
            stream.append("\n")
        return stream
    if len(words_or_text) > MAX_MEMORY_WORDS:
        raise InputError(f"词太多了：最多 {MAX_MEMORY_WORDS} 个", f"too many words: at most {MAX_MEMORY_WORDS}")
    stream = ["\n" if w in (EOL, "\n") else w for w in words_or_text]
    if not any(w != "\n" for w in stream):
        raise InputError("没有可检查的词", "there are no words to check")
    return stream


def check_memorization(words_or_text: Sequence[str] | str, fingerprint: Fingerprint | dict) -> MemoryReport:
    """Mark the lines seen verbatim in training and the words inside copied runs of ≥ run_words words."""
    if isinstance(fingerprint, dict):
        fingerprint = Fingerprint(fingerprint)
    stream = to_stream(words_or_text)
    spans = fingerprint.copied_spans(stream)
    in_run = [False] * len(stream)
    for start, end in spans:
        in_run[start:end] = [True] * (end - start)
    lines: list[LineMark] = []
    words: list[str] = []
    flags: list[bool] = []
    for word, flag in zip([*stream, "\n"], [*in_run, False], strict=True):  # a final "\n" closes the last line
        if word != "\n":
            words.append(word)
            flags.append(flag)
        elif words:
            lines.append(LineMark(len(lines), words, fingerprint.line_seen(words), flags))
            words, flags = [], []
    return MemoryReport(lines, spans, fingerprint.run_words)


def memorization_html(report: MemoryReport) -> str:
    """The lines as HTML: a verbatim training line on an orange band with a badge, words of copied
    runs underlined in red, new lines plain; then the summary."""
    parts = []
    for line in report.lines:
        pieces = []
        for i, (word, copied) in enumerate(zip(line.words, line.copied, strict=True)):
            if i and join_words(line.words[i - 1 : i + 1]) != line.words[i - 1] + word:
                pieces.append(" ")  # join_words's space between two Latin words
            shown = esc(word)
            if copied:
                shown = f'<span style="{RUN_STYLE}" title="照抄片段 copied run">{shown}</span>'
            pieces.append(shown)
        body = "".join(pieces)
        if line.seen:
            parts.append(f'<div style="background:#fde2c8;padding:1px 4px">{body} '
                         f'<small style="color:#a04000">⚠ 训练集原句 · verbatim from training</small></div>')
        else:
            parts.append(f'<div style="padding:1px 4px">{body}</div>')
    return f'<div style="line-height:1.8">{"".join(parts)}</div><p>{esc(report.summary())}</p>'
