"""Word probabilities: what the model expected next, how surprised each cell is, how likely a typed line is.

Surprisal of a word = −log2 p(word | everything before it), in bits: 1 bit is a coin flip,
10 bits is "one in a thousand". A text's perplexity is 2 ** (mean surprisal), the same number
training reports as exp(mean cross-entropy in nats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
import torch

from .checkpoint import Checkpoint
from .checks import InputError, check_cells, check_text, parse_seed
from .generate import generate_steps, make_prompt, new_generator, next_distribution
from .insight import MAX_TEXT_CHARS, check_settings, esc, evaluating, prob_color, prob_legend_html
from .tokens import EOL, UNK, join_words, lines_to_tokens
from .vocab import Vocab

TOP_CANDIDATES = 10
LN2 = math.log(2)


@torch.inference_mode()
def surprisal_bits(logits: torch.Tensor, token_id: int) -> float:
    """−log2 softmax(logits)[token_id]: the model's own surprise (temperature 1, nothing banned)."""
    return -float(torch.log_softmax(logits.float(), dim=-1)[token_id]) / LN2


# ---------------------------------------------------------------------------------------------
# 1. Next word


@dataclass
class Candidate:
    token: str
    token_id: int
    prob_t1: float  # probability at temperature 1 (same top-k, <unk> banned): the model's own ranking
    prob: float  # probability at the chosen temperature: what sampling actually drew from


@dataclass
class WordStep:
    index: int  # 0 for the first generated token
    token: str  # EOL for a line break
    token_id: int
    prob: float  # its probability in the distribution it was drawn from (chosen temperature and top-k)
    prob_t1: float  # its probability at temperature 1 (same top-k, <unk> banned): how expected it was
    surprisal: float  # −log2 of the model's raw softmax (temperature 1, nothing banned), bits
    candidates: list[Candidate]  # the top TOP_CANDIDATES words for this step, likeliest first


@dataclass
class NextWordResult:
    prompt_words: list[str]  # jieba's words of the start text
    unknown: list[str]  # start words the vocabulary lacks (fed as <unk>)
    steps: list[WordStep]
    seed: int
    temperature: float
    top_k: int | None

    @property
    def words(self) -> list[str]:
        return [s.token for s in self.steps]

    @property
    def text(self) -> str:
        return join_words([*self.prompt_words, *self.words])


@torch.inference_mode()
def top_candidates(logits: torch.Tensor, vocab: Vocab, temperature: float, top_k: int | None = None,
                   n: int = TOP_CANDIDATES) -> list[Candidate]:
    """The n likeliest next words from raw logits (vocab_size,), with probabilities at T = 1 and at T.

    Both distributions come from next_distribution with the same top-k and the same ban on <unk>,
    so the two columns differ by the temperature alone. Dividing by a temperature keeps the
    order of the words, so one ranking serves both columns.
    """
    banned = [vocab.unk_id]
    before = next_distribution(logits, 1.0, top_k, banned)  # (vocab_size,)
    after = before if temperature == 1.0 else next_distribution(logits, temperature, top_k, banned)
    scores = logits.float().clone()
    scores[vocab.unk_id] = float("-inf")  # rank by logits: at T = 0 "after" is one-hot, the rest tie at 0
    ids = torch.topk(scores, min(n, scores.numel() - 1)).indices.tolist()
    return [Candidate(vocab.tokens[i], i, float(before[i]), float(after[i])) for i in ids]


def next_words(ckpt: Checkpoint, start_text: str, length: int = 30, temperature: float = 0.8,
               top_k: int | None = None, seed: int | None = None) -> NextWordResult:
    """Generate `length` tokens after start_text (blank: from the start of a line), keeping for each
    step its probabilities and its top-10 candidates before and after the temperature."""
    start_text = check_text(start_text, MAX_TEXT_CHARS, "开头文字", "start text")
    length, temperature, top_k = check_settings(length, temperature, top_k)
    vocab = ckpt.vocab
    prompt = make_prompt(vocab, start_text)
    generator, seed = new_generator(parse_seed(seed))
    steps = []
    with evaluating(ckpt.model):
        for i, step in enumerate(generate_steps(ckpt.model, vocab, prompt.ids, length, temperature, top_k, generator)):
            candidates = top_candidates(step.logits, vocab, temperature, top_k)
            with torch.inference_mode():
                t1 = next_distribution(step.logits, 1.0, top_k, [vocab.unk_id])  # (vocab_size,)
            steps.append(WordStep(i, step.token, step.token_id, step.prob, float(t1[step.token_id]),
                                  surprisal_bits(step.logits, step.token_id), candidates))
    return NextWordResult(prompt.words, prompt.unknown, steps, seed, float(temperature), top_k)


def candidates_table(result: NextWordResult, index: int) -> pd.DataFrame:
    """The candidates of generated step `index` as a table: rank, word, p at T = 1, p at T, chosen?"""
    if not 0 <= index < len(result.steps):
        raise InputError(f"没有第 {index} 步，共 {len(result.steps)} 步",
                           f"no step {index}; there are {len(result.steps)} steps")
    step = result.steps[index]
    return pd.DataFrame([{
        "排名 rank": rank,
        "词 word": c.token,
        "概率 p (T=1)": round(c.prob_t1, 4),
        f"采样概率 sampled p (T={result.temperature:g})": round(c.prob, 4),
        "被选中 chosen": "✓" if c.token_id == step.token_id else "",
    } for rank, c in enumerate(step.candidates, 1)])


def word_span(token: str, p: float, tip: str, selected: bool = False) -> str:
    """One word as HTML on a background coloured by its probability p, tip shown on hover; a line break
    (EOL) as ↵ followed by a real one. selected: outlined, to point at one step."""
    shown = "↵" if token == EOL else esc(token)
    outline = "outline:2px solid #333;" if selected else ""
    span = (f'<span title="{esc(tip)}" style="background:{prob_color(p)};border-radius:3px;'
            f'padding:0 1px;margin:0 1px;{outline}">{shown}</span>')
    return span + ("<br>" if token == EOL else "")


def words_html(prompt_words: list[str], spans: list[str], legend: bool = True) -> str:
    """The start words in grey, then the coloured spans, then (legend) the colour key."""
    parts = [f'<span style="color:#666">{esc(join_words(prompt_words))}</span>'] if prompt_words else []
    body = "".join(parts + spans)
    return f'<div style="line-height:1.9;font-size:1.1em">{body}</div>{prob_legend_html() if legend else ""}'


def colored_html(result: NextWordResult, by_sampled: bool = False, selected: int | None = None) -> str:
    """The lyrics as HTML: start words plain, each generated word on a background coloured by its
    probability (at temperature 1 by default: how expected it was; by_sampled: in the distribution
    it was drawn from). Hovering a word shows its step number and probabilities; step `selected`
    is outlined."""
    spans = []
    for step in result.steps:
        p = step.prob if by_sampled else step.prob_t1
        sampled = f" p(T={result.temperature:g})={step.prob:.4f}" if result.temperature != 1 else ""
        tip = f"#{step.index} p(T=1)={step.prob_t1:.4f}{sampled} · {step.surprisal:.2f} bits"
        spans.append(word_span(step.token, p, tip, step.index == selected))
    return words_html(result.prompt_words, spans)


# ---------------------------------------------------------------------------------------------
# 2. Compare cells


@dataclass
class CellOutput:
    cell: str
    text: str  # start text and generated tokens, as lyrics
    words: list[str]  # the generated tokens (EOL for line breaks)
    surprisals: list[float]  # −log2 p of each generated token under this model (temperature 1), bits
    mean_surprisal: float  # their mean, bits per token (line breaks included, as in perplexity)
    val_ppl: float | None  # validation perplexity from metrics.json, when the folder has it
    seed: int  # the seed every cell used (drawn at random when none was given)


def compare_cells(checkpoints: dict[str, Checkpoint], start_text: str, seed: int | None = 0,
                  temperature: float = 0.8, length: int = 30, top_k: int | None = None) -> list[CellOutput]:
    """Each cell writes from the same start text with the same seed and temperature.

    The same seed means the same stream of random numbers: where two models' distributions agree,
    they pick the same words, so the differences come from the models, not from luck.
    """
    check_cells(checkpoints)
    start_text = check_text(start_text, MAX_TEXT_CHARS, "开头文字", "start text")
    length, temperature, top_k = check_settings(length, temperature, top_k)
    seed = parse_seed(seed)
    if seed is None:
        _, seed = new_generator(None)  # one random seed, shared by every cell
    outputs = []
    for cell, ckpt in checkpoints.items():
        prompt = make_prompt(ckpt.vocab, start_text)
        generator, _ = new_generator(seed)
        with evaluating(ckpt.model):
            steps = list(generate_steps(ckpt.model, ckpt.vocab, prompt.ids, length, temperature, top_k, generator))
        bits = [surprisal_bits(s.logits, s.token_id) for s in steps]
        val_ppl = ckpt.metrics.get("val_ppl")
        outputs.append(CellOutput(
            cell=cell,
            text=join_words([*prompt.words, *(s.token for s in steps)]),
            words=[s.token for s in steps],
            surprisals=bits,
            mean_surprisal=sum(bits) / len(bits),
            val_ppl=float(val_ppl) if isinstance(val_ppl, (int, float)) else None,
            seed=seed,
        ))
    return outputs


def compare_table(outputs: list[CellOutput]) -> pd.DataFrame:
    """One row per cell: its mean surprisal (and what it means as a perplexity) and validation perplexity."""
    return pd.DataFrame([{
        "模型 cell": o.cell.upper(),
        "平均惊讶度 mean surprisal (bits)": round(o.mean_surprisal, 2),
        "生成文本困惑度 ppl of own text": round(2 ** o.mean_surprisal, 1),
        "验证困惑度 val ppl": round(o.val_ppl, 1) if o.val_ppl is not None else None,
        "文本 text": o.text,
    } for o in outputs])


# ---------------------------------------------------------------------------------------------
# 7. Score a line


@dataclass
class LineScore:
    """A typed text scored as evaluation scores a file: the tokens are [<eol>, words..., <eol>] per
    line, every token after the first predicted from all before it. The final <eol> is scored too
    ("does the line end here?"), so the perplexity compares with the validation perplexity."""

    tokens: list[str]  # the scored tokens: words and <eol>, the leading <eol> left out
    known: list[bool]  # False where the word is not in the vocabulary (scored as <unk>)
    surprisal: dict[str, list[float]] = field(default_factory=dict)  # cell → bits per token
    perplexity: dict[str, float] = field(default_factory=dict)  # cell → 2 ** mean surprisal

    def table(self) -> pd.DataFrame:
        """One row per token, one surprisal column per cell."""
        rows = []
        for i, (token, known) in enumerate(zip(self.tokens, self.known, strict=True)):
            row = {"#": i, "词 word": token, "词表中 in vocab": "✓" if known else f"✗ → {UNK}"}
            row.update({f"{cell.upper()} (bits)": round(bits[i], 2) for cell, bits in self.surprisal.items()})
            rows.append(row)
        return pd.DataFrame(rows)


def score_line(checkpoints: dict[str, Checkpoint], text: str) -> LineScore:
    """Surprisal (bits) of every word of text under every cell, and the text's perplexity per cell.

    Several lines are fine (one <eol> between them). Unknown words are scored as <unk>, the model's
    probability of "some word I do not know", and flagged in `known`.
    """
    check_cells(checkpoints)
    text = check_text(text, MAX_TEXT_CHARS, "句子", "line", blank_ok=False)
    lines = [line for line in text.splitlines() if line.strip()]
    tokens = lines_to_tokens(lines)  # [<eol>, words..., <eol>, ...]
    if len(tokens) == len(lines) + 1:
        raise InputError("这句话里没有词", "the line has no words")
    # The shipped cells share one vocabulary; should they not, a word is "known" only if all know it.
    known = [t == EOL or all(t in c.vocab for c in checkpoints.values()) for t in tokens[1:]]
    result = LineScore(tokens[1:], known)
    for cell, ckpt in checkpoints.items():
        vocab, model = ckpt.vocab, ckpt.model
        ids = torch.tensor(vocab.encode(tokens), dtype=torch.long, device=model.device)  # (num_tokens,)
        with torch.inference_mode(), evaluating(model):
            logits, _ = model(ids[:-1].unsqueeze(1))  # (num_tokens - 1, 1, vocab_size)
            log_probs = torch.log_softmax(logits[:, 0].float(), dim=-1)  # (num_tokens - 1, vocab_size)
            nats = -log_probs.gather(1, ids[1:].unsqueeze(1))[:, 0]  # (num_tokens - 1,)
        bits = (nats / LN2).cpu().tolist()
        result.surprisal[cell] = bits
        result.perplexity[cell] = 2 ** (sum(bits) / len(bits))
    return result
