"""Memory & attention: the continuous cache, attention over the model's own past hidden states.

For a text (a song whose chorus comes back makes the point): each word's probability without and
with the cache, the text's perplexity both ways, the cache's weights over earlier positions as a
heatmap, and, for one chosen word, the earlier words it looked at. The numbers are
lyricgen.inspect.attention's; the cache's settings are the checkpoint's (metrics.json "cache"), or
the documented defaults in limits.py when it records none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import gradio as gr
import pandas as pd
import torch
from PIL import Image, ImageDraw

from ...cache import CacheSettings, for_generation, hidden_and_log_probs, recorded_settings
from ...checkpoint import Checkpoint
from ...inspect.attention import CacheAttention, cache_attention
from ...tokens import EOL, UNK, lines_to_tokens, text_lines
from .. import limits, params
from ..code_view import CodeView
from ..i18n import Msg, t
from ..mine import MINE, Chosen, StudentModels
from ..render import esc, heatmap_image, md_cell, model_name, prob_legend_html, shown_token, word_span
from ..validate import InputError
from ..widgets import panel

# A made-up song (not from any lyrics corpus) whose chorus comes back: the second time, the cache
# has heard it, and the states at its words resemble those at the first chorus.
EXAMPLE = """清晨的风吹过窗台
我把这首歌再唱一遍
街角的咖啡还是那么甜
你说今天会是晴天

我们一起走到远方
听着风说着从前
就算路再远
我都会在你身边

夜晚的街灯亮了
雨已经停了星星出来了
我写下一句简单的话
想在梦里告诉你

我们一起走到远方
听着风说着从前
就算路再远
我都会在你身边"""
EXAMPLE_WORD = "风"  # the word first chosen: its second occurrence, in the chorus come back

TOP_MARK = "#2166ac"  # the underline of the earlier words the chosen word looked at

# The cache's formula, under the explanation (a field of its string: the same in every language).
FORMULA = ("$$p(w) = (1-\\lambda)\\,p_{\\text{model}}(w) + \\lambda \\sum_{t-N \\le i < t} "
           "\\operatorname{softmax}_i(\\theta\\, h_t \\cdot h_i)\\,[w_{i+1} = w]$$")


def example_position() -> int:
    """The token position of EXAMPLE_WORD in the example's chorus come back (its last occurrence)."""
    tokens = lines_to_tokens(text_lines(EXAMPLE))
    return max(i for i, token in enumerate(tokens) if token == EXAMPLE_WORD)


@dataclass(frozen=True)
class ChosenSettings:
    settings: CacheSettings
    recorded: bool  # from the checkpoint's metrics.json; False: the defaults in limits.py
    note: Msg | None  # why the defaults, when they are used: said in each request's language


def default_settings(ckpt: Checkpoint) -> CacheSettings:
    """limits.DEFAULT_CACHE_*: θ = sharpness / mean‖h‖², the mean over the example song's states, so that
    the score gap between a state identical to the query and an orthogonal one is the same for every cell
    (cache.CacheGrid's unit). A fixed text, so the settings do not change with what the student types."""
    ids = ckpt.vocab.encode(ckpt.vocab.stream(text_lines(EXAMPLE)))
    hs, _ = hidden_and_log_probs(ckpt.model, ids)
    mean_sq = float((hs.double() ** 2).sum(1).mean()) or 1.0
    return CacheSettings(limits.DEFAULT_CACHE_LAM, limits.DEFAULT_CACHE_SHARPNESS / mean_sq,
                         limits.DEFAULT_CACHE_WINDOW)


def row_label_step(cell_h: int) -> int:
    """Number every k-th heatmap row, k in 1, 2, 5, 10, 20, 50, …: labels about 12 pixels apart at least."""
    need = math.ceil(12 / cell_h)
    for magnitude in (1, 10, 100, 1000):
        for base in (1, 2, 5):
            if base * magnitude >= need:
                return base * magnitude
    return 10_000


def weights_picture(att: CacheAttention) -> Image.Image:
    """The (T, T) weights as a heatmap, white 0 → dark blue 1 (rows = the word predicted, columns = the
    earlier word proposed), with the chosen row framed in red."""
    T = len(att.tokens)
    cell = max(1, min(12, limits.ATTENTION_PICTURE_PX // T))
    image = heatmap_image(att.weights.numpy(), diverging=False, limit=1.0, cell_w=cell, cell_h=cell,
                          column_header=t("attention.picture.column"), label_every=row_label_step(cell))
    left, top = image.width - T * cell, image.height - T * cell  # the row labels' strip, the header's
    y = top + att.position * cell
    ImageDraw.Draw(image).rectangle([left, y - 1, image.width - 1, y + cell], outline=(214, 39, 40))
    return image


def sig(value: float) -> float:
    """value to 4 significant digits: probabilities of 1e-5 stay readable, unlike round(value, 4)."""
    return float(f"{value:.4g}")


def words_block(att: CacheAttention, probs: torch.Tensor, known: list[bool], title: str,
                marks: dict[int, float]) -> str:
    """The text (from token 1: nothing predicts the opening line break) coloured by probs; the chosen word
    outlined; the earlier words in marks underlined, with their weight above them."""
    spans = []
    for j in range(1, len(att.tokens)):
        token, p = att.tokens[j], float(probs[j])
        tip = f"#{j} p={p:.4g}" + ("" if known[j] else f" → {UNK}")
        span = word_span(token, p, tip, selected=j == att.position)
        if j in marks:
            span = (f'<span style="border-bottom:3px solid {TOP_MARK}">{span.removesuffix("<br>")}</span>'
                    f'<sup style="color:{TOP_MARK}">{marks[j]:.2f}</sup>' + ("<br>" if token == EOL else ""))
        spans.append(span)
    return f'<div><b>{esc(title)}</b><div style="line-height:2.1;font-size:1.1em">{"".join(spans)}</div></div>'


def summary_table(att: CacheAttention) -> pd.DataFrame:
    """Two rows, without and with the cache: the perplexity and mean probability of tokens 1 … T-1."""
    rows = []
    for name, probs in ((t("attention.without"), att.p_model[1:]), (t("attention.with"), att.p_cache[1:])):
        rows.append((name, sig(math.exp(-float(probs.double().log().mean()))), sig(float(probs.double().mean()))))
    return pd.DataFrame(rows, columns=[t("attention.col.model"), t("attention.col.perplexity"),
                                       t("attention.col.mean_p")])


def words_table(att: CacheAttention, known: list[bool]) -> pd.DataFrame:
    """One row per predicted token: its probability without and with the cache, and their ratio."""
    rows = []
    for j in range(1, len(att.tokens)):
        p_model, p_cache = float(att.p_model[j]), float(att.p_cache[j])
        rows.append((j, shown_token(att.tokens[j]), "✓" if known[j] else f"✗ → {UNK}", sig(p_model), sig(p_cache),
                     sig(p_cache / p_model) if p_model > 0 else None))
    return pd.DataFrame(rows, columns=[t("attention.col.position"), t("attention.col.word"),
                                       t("attention.col.in_vocab"), t("attention.col.p_without"),
                                       t("attention.col.p_with"), t("attention.col.ratio")])


def top_table(att: CacheAttention) -> pd.DataFrame:
    """The chosen word's heaviest earlier positions: the word proposed, the word whose state was compared."""
    return pd.DataFrame({
        t("attention.col.position"): att.top["position"].astype(int),
        t("attention.col.proposed"): [shown_token(w) for w in att.top["word"]],
        t("attention.col.before"): [shown_token(w) for w in att.top["after"]],
        t("attention.col.lag"): att.top["lag"].astype(int),
        t("attention.col.weight"): [sig(w) for w in att.top["weight"]],
        t("attention.col.same"): ["✓" if same else "" for same in att.top["same"]],
    })


def chosen_markdown(att: CacheAttention) -> str:
    """The chosen word: its probabilities both ways, and the earlier words it looked at."""
    j = att.position
    head = Msg("attention.chosen.head", j=j, word=md_cell(shown_token(att.tokens[j])),
               p_without=f"{float(att.p_model[j]):.4g}", p_with=f"{float(att.p_cache[j]):.4g}")
    if att.top.empty:
        return t("attention.chosen.empty", head=head)
    looked = " · ".join(f"#{int(r.position)} {md_cell(shown_token(r.word))} ({r.weight:.2f})"
                        for r in att.top.itertuples())
    return t("attention.chosen.looked", head=head, looked=looked)


# The panel's inputs, in the order of its endpoint's parameters (/attention).
FORM = params.Form(
    params.Text("text", "field.lyrics", "attention.lyrics", default=EXAMPLE, limit=limits.MAX_ATTENTION_CHARS,
                blank_ok=False, look={"lines": 10, "elem_id": "attention-input"}),
    params.CELL,
    params.Whole("position", "field.position", "attention.position", low=1, high=limits.MAX_ATTENTION_TOKENS - 1,
                 look={"elem_id": "attention-position"}),
)


class AttentionTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"
        self._settings: dict[str, ChosenSettings] = {}  # per shipped cell, worked out on first use

    def cache_settings(self, cell: Chosen) -> ChosenSettings:
        """The checkpoint's recorded settings (metrics.json "cache"), else the defaults (default_settings).
        A student's own model records none (the Lab does not choose them): the defaults, said so."""
        if cell.name in self._settings:
            return self._settings[cell.name]
        try:
            recorded, note = recorded_settings(cell.ckpt.metrics, strict=True), Msg("attention.note.none")
        except ValueError as e:
            recorded, note = None, Msg("attention.note.unusable", detail=md_cell(str(e)))
        chosen = (ChosenSettings(recorded, True, None) if recorded is not None
                  else ChosenSettings(default_settings(cell.ckpt), False, note))
        if cell.name != MINE:  # a session's own model is another model in every session: never kept
            self._settings[cell.name] = chosen
        return chosen

    def settings_markdown(self, cell: Chosen) -> str:
        chosen = self.cache_settings(cell)
        s = chosen.settings
        figures = {"cell": model_name(cell.name, cell.ckpt), "lam": f"{s.lam:g}", "theta": f"{s.theta:.4g}",
                   "window": s.window}
        written = for_generation(s)  # what Generate and Compare mix in: why their λ is another
        generation = t("attention.settings.generation", gen_lam=f"{written.lam:g}", lag=written.min_lag)
        if chosen.recorded:
            return t("attention.settings.recorded", **figures) + "\n\n" + generation
        return t("attention.settings.defaults", **figures, why=chosen.note, default_lam=f"{limits.DEFAULT_CACHE_LAM:g}",
                 default_window=limits.DEFAULT_CACHE_WINDOW, sharpness=f"{limits.DEFAULT_CACHE_SHARPNESS:g}"
                 ) + "\n\n" + generation

    def code_values(self, checked: dict) -> dict:
        """The code view's values: the text and position, and the cache settings this panel uses for the cell."""
        settings = self.cache_settings(checked["cell"]).settings
        return {"text": checked["text"], "position": checked["position"], "lam": settings.lam,
                "theta": settings.theta, "window": settings.window}

    @FORM.checked
    def attention(self, text: str, cell: Chosen, position: int) -> tuple[
            str, pd.DataFrame, str, Image.Image, pd.DataFrame, pd.DataFrame, gr.Slider]:
        """(settings and the chosen word; perplexity without and with the cache; the coloured text; the
        weights heatmap; the chosen word's top earlier positions; one row per word; the position slider,
        its end moved to the text's last word).

        A position past the end chooses the last word: the slider may still reach further than a shorter text.
        """
        ckpt = cell.ckpt
        tokens = ckpt.vocab.stream(text_lines(text))
        if all(token == EOL for token in tokens):
            raise InputError("attention.error.no_words")
        if len(tokens) > limits.MAX_ATTENTION_TOKENS:
            raise InputError("attention.error.too_many", n=len(tokens), limit=limits.MAX_ATTENTION_TOKENS)
        chosen = min(position, len(tokens) - 1)
        settings = self.cache_settings(cell).settings
        att = cache_attention(ckpt.model, ckpt.vocab, tokens, settings, chosen, limits.ATTENTION_TOP_POSITIONS)
        known = [token == EOL or token in ckpt.vocab for token in tokens]
        marks = {int(r.position): float(r.weight) for r in att.top.itertuples()}
        words = (words_block(att, att.p_model, known, t("attention.words.without"), {})
                 + words_block(att, att.p_cache, known, t("attention.words.with"), marks) + prob_legend_html())
        info = "\n\n".join([self.settings_markdown(cell), chosen_markdown(att), t("attention.heatmap_key")])
        slider = gr.Slider(value=chosen, maximum=len(tokens) - 1)
        return info, summary_table(att), words, weights_picture(att), top_table(att), words_table(att, known), slider

    def layout(self) -> None:
        with panel(t("attention.title"), "attention", t("attention.explain")):
            gr.Markdown(t("attention.explanation", formula=FORMULA),
                        latex_delimiters=[{"left": "$$", "right": "$$", "display": True}])
            with gr.Row():
                with gr.Column(scale=2):
                    fields = FORM.fields(self)
                    fields.show("text", "cell")
                    position = fields.show("position", value=example_position())  # the example's word come back
                    button = gr.Button(t("attention.button"), variant="primary")
                with gr.Column(scale=3):
                    info = gr.Markdown(elem_id="attention-info")
                    summary = gr.Dataframe(label=t("attention.summary"), interactive=False, elem_id="attention-summary")
                    words = gr.HTML(elem_id="attention-words")
            with gr.Row():
                picture = gr.Image(label=t("attention.picture"), type="pil", format="png", interactive=False,
                                   alt_text=t("alt.attention"), elem_id="attention-heatmap", scale=3)
                top = gr.Dataframe(label=t("attention.top"), interactive=False, elem_id="attention-top", scale=2)
            table = gr.Dataframe(label=t("attention.table"), interactive=False, elem_id="attention-table")
            outputs = [info, summary, words, picture, top, table, position]
            # preprocess=False: the handler checks every value itself, and Gradio's own check would hold the
            # position to the slider's end for this session's last text, refusing a later, longer text's word.
            button.click(self.attention, fields.inputs(), outputs, api_name="attention", preprocess=False)
            position.release(self.attention, fields.inputs(), outputs, api_visibility="private", preprocess=False)
            CodeView("attention", FORM, self, "attention.title", self.code_values).layout(
                fields, fields.offer(run=button), preprocess=False)
