"""Word probabilities: what the model expected next, how surprised each cell is, how likely a typed line is.

One definition per number, the same in every panel:

- p_model(word) = softmax(z)[word]: the model's own probability (temperature 1, nothing removed,
  <unk> included: the probability of "some word I do not know");
- surprisal(word) = −log2 p_model(word), in bits: 1 bit is a coin flip, 10 bits is "one in a
  thousand". A text's perplexity is 2 ** (mean surprisal), the same number training reports;
- p_T(word): the probability in the distribution sampling draws from: the logits divided by the
  temperature T, <unk> removed, top-k / top-p applied, renormalised.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from ..checkpoint import Checkpoint
from ..generate import GenerationSettings, Step, generate_from_settings, new_generator
from ..model import LN2, evaluating
from ..sampling import Sampling, next_distribution
from ..tokens import EOL, join_words, lines_to_tokens, text_lines
from ..vocab import Vocab


@torch.inference_mode()
def surprisal_bits(logits: torch.Tensor, token_id: int) -> float:
    """−log2 p_model(token_id): the model's own surprise (temperature 1, nothing removed)."""
    return -float(torch.log_softmax(logits.float(), dim=-1)[token_id]) / LN2


# ---------------------------------------------------------------------------------------------
# Next word


@dataclass
class Candidate:
    token: str
    token_id: int
    prob_model: float  # p_model: the model's own softmax (T = 1, nothing removed)
    prob: float  # p_T: the distribution sampling drew from (temperature, <unk> removed, top-k / top-p)


@dataclass
class WordStep:
    index: int  # 0 for the first generated token
    token: str  # EOL for a line break
    token_id: int
    prob: float  # p_T: its probability in the distribution it was drawn from
    prob_model: float  # p_model: the model's own softmax (T = 1, nothing removed): how expected it was
    surprisal: float  # −log2 prob_model, bits
    candidates: list[Candidate]  # the likeliest words at this step, likeliest first


@dataclass
class NextWordResult:
    prompt_words: list[str]  # jieba's words of the start text
    unknown: list[str]  # start words the vocabulary lacks (fed as <unk>)
    steps: list[WordStep]
    seed: int
    sampling: Sampling  # the knobs the words were drawn with

    @property
    def words(self) -> list[str]:
        return [s.token for s in self.steps]

    @property
    def text(self) -> str:
        return join_words([*self.prompt_words, *self.words])


@torch.inference_mode()
def top_candidates(logits: torch.Tensor, vocab: Vocab, sampling: Sampling, n: int) -> list[Candidate]:
    """The n likeliest next words from raw logits (vocab_size,), with p_model and p_T (the module's docstring).

    <unk> is left out of the list: it can never be drawn. Dividing by a temperature keeps the order of
    the words, so one ranking serves both columns.
    """
    before = torch.softmax(logits.float(), dim=-1)  # (vocab_size,): p_model
    after = next_distribution(logits, sampling, [vocab.unk_id])  # (vocab_size,): p_T
    scores = logits.float().clone()
    scores[vocab.unk_id] = float("-inf")  # rank by logits: at T = 0 "after" is one-hot, the rest tie at 0
    ids = torch.topk(scores, min(n, scores.numel() - 1)).indices.tolist()
    return [Candidate(vocab.tokens[i], i, float(before[i]), float(after[i])) for i in ids]


def next_words(ckpt: Checkpoint, settings: GenerationSettings, candidates: int) -> NextWordResult:
    """Generate settings.length tokens after the start text (blank: from the start of a line), keeping for
    each step its probabilities and its top `candidates` words before and after the temperature."""
    vocab = ckpt.vocab
    prompt, seed, made = generate_from_settings(ckpt.model, vocab, settings)
    steps = []
    with evaluating(ckpt.model):
        for i, step in enumerate(made):
            with torch.inference_mode():
                ranked = top_candidates(step.logits, vocab, settings.sampling, candidates)
            bits = surprisal_bits(step.logits, step.token_id)
            steps.append(WordStep(i, step.token, step.token_id, step.prob, 2.0 ** -bits, bits, ranked))
    return NextWordResult(prompt.words, prompt.unknown, steps, seed, settings.sampling)


# ---------------------------------------------------------------------------------------------
# Compare cells


@dataclass
class CellOutput:
    cell: str
    text: str  # start text and generated tokens, as lyrics
    words: list[str]  # the generated tokens (EOL for line breaks)
    surprisals: list[float]  # −log2 p of each generated token under this model (temperature 1), bits
    mean_surprisal: float  # their mean, bits per token (line breaks included, as in perplexity)
    val_ppl: float | None  # validation perplexity from metrics.json, when the folder has it
    seed: int  # the seed every cell used (drawn at random when none was given)


def cell_output(cell: str, ckpt: Checkpoint, prompt_words: list[str], steps: list[Step], seed: int,
                bits: list[float] | None = None) -> CellOutput:
    """What one cell wrote (steps made with their logits kept), with the surprisal of every word it chose.

    bits: those surprisals, when the caller already has them (a stream computes each word's once)."""
    if bits is None:
        bits = [surprisal_bits(s.logits, s.token_id) for s in steps]
    val_ppl = ckpt.metrics.get("val_ppl")
    return CellOutput(
        cell=cell,
        text=join_words([*prompt_words, *(s.token for s in steps)]),
        words=[s.token for s in steps],
        surprisals=bits,
        mean_surprisal=sum(bits) / max(1, len(bits)),
        val_ppl=float(val_ppl) if isinstance(val_ppl, (int, float)) else None,
        seed=seed,
    )


def shared_seed(settings: GenerationSettings) -> GenerationSettings:
    """The settings with a seed: the one asked for, or one random seed for every cell to share."""
    return settings if settings.seed is not None else replace(settings, seed=new_generator(None)[1])


def compare_cells(checkpoints: dict[str, Checkpoint], settings: GenerationSettings) -> list[CellOutput]:
    """Each cell writes from the same start text with the same seed and temperature (one cell at a time;
    the app runs the same through its decoding engines).

    The same seed means the same stream of random numbers: where two models' distributions agree,
    they pick the same words, so the differences come from the models, not from luck.
    """
    settings = shared_seed(settings)
    outputs = []
    for cell, ckpt in checkpoints.items():
        prompt, _, made = generate_from_settings(ckpt.model, ckpt.vocab, settings)
        with evaluating(ckpt.model):
            steps = list(made)
        outputs.append(cell_output(cell, ckpt, prompt.words, steps, settings.seed))
    return outputs


# ---------------------------------------------------------------------------------------------
# Score a line


@dataclass
class LineScore:
    """A typed text scored as evaluation scores a file: the tokens are [<eol>, words..., <eol>] per
    line, every token after the first predicted from all before it. The final <eol> is scored too
    ("does the line end here?"), so the perplexity compares with the validation perplexity."""

    tokens: list[str]  # the scored tokens: words and <eol>, the leading <eol> left out
    known: list[bool]  # False where the word is not in every model's vocabulary
    known_by: dict[str, list[bool]] = field(default_factory=dict)  # cell → False where its vocabulary lacks it (<unk>)
    surprisal: dict[str, list[float]] = field(default_factory=dict)  # cell → bits per token
    perplexity: dict[str, float] = field(default_factory=dict)  # cell → 2 ** mean surprisal

    def line_perplexities(self, cell: str) -> list[float]:
        """Each line's perplexity under cell: 2 ** the mean surprisal of its words and the <eol> ending it."""
        found, line = [], []
        for token, bits in zip(self.tokens, self.surprisal[cell], strict=True):
            line.append(bits)
            if token == EOL:
                found.append(2 ** (sum(line) / len(line)))
                line = []
        return found


def score_line(checkpoints: dict[str, Checkpoint], text: str) -> LineScore:
    """Surprisal (bits) of every word of text under every cell, and the text's perplexity per cell.

    Several lines are fine (one <eol> between them). Unknown words are scored as <unk>, the model's
    probability of "some word I do not know", and flagged in `known`. The words are the first word-level
    model's (jieba's); a model of characters reads each word as its characters, and a word's surprisal is
    the sum of its characters' (its probability, their product), so that every model's figure is per word.
    """
    split = next((c.vocab.split for c in checkpoints.values() if c.vocab.split == "word"), "char")
    tokens = lines_to_tokens(text_lines(text), split)  # [<eol>, words..., <eol>, ...]
    # The shipped cells share one vocabulary, a student's model has its own: a word is "known" if all know it.
    known_by = {cell: [t == EOL or all(p in c.vocab for p in pieces(t, c.vocab)) for t in tokens[1:]]
                for cell, c in checkpoints.items()}
    result = LineScore(tokens[1:], [all(column) for column in zip(*known_by.values(), strict=True)], known_by)
    for cell, ckpt in checkpoints.items():
        vocab, model = ckpt.vocab, ckpt.model
        own = [piece for token in tokens for piece in pieces(token, vocab)]  # the tokens as this model reads them
        ids = torch.tensor(vocab.encode(own), dtype=torch.long, device=model.device)  # (num_own_tokens,)
        with torch.inference_mode(), evaluating(model):
            logits, _ = model(ids[:-1].unsqueeze(1))  # (num_own_tokens - 1, 1, vocab_size)
            log_probs = torch.log_softmax(logits[:, 0].float(), dim=-1)  # (num_own_tokens - 1, vocab_size)
            nats = -log_probs.gather(1, ids[1:].unsqueeze(1))[:, 0]  # (num_own_tokens - 1,)
        own_bits = iter((nats / LN2).cpu().tolist())
        bits = [sum(next(own_bits) for _ in pieces(token, vocab)) for token in tokens[1:]]
        result.surprisal[cell] = bits
        result.perplexity[cell] = 2 ** (sum(bits) / len(bits))
    return result


def pieces(token: str, vocab: Vocab) -> list[str]:
    """A word as vocab's model reads it: itself, or its characters for a vocabulary of characters."""
    return list(token) if vocab.split == "char" and token != EOL else [token]
