"""Compare cells: one start text, seed and temperature; every cell's lyrics side by side.

Each cell's words come from its decoding engine, with their logits kept for the surprisal; the three
columns grow together as the words arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import gradio as gr
import pandas as pd

from ...cache import recorded_settings
from ...checkpoint import Checkpoint
from ...engine import DecodingEngine
from ...inspect.words import CellOutput, cell_output, shared_seed, surprisal_bits
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import MINE, StudentModels, with_mine
from ..render import esc, model_name, prob_legend_html, word_span, words_html
from ..streaming import new_steps, submit
from ..validate import with_cache_of
from ..widgets import panel

START = "星星"


def per_cell_table(outputs: list[CellOutput], names: dict[str, str]) -> pd.DataFrame:
    """One row per cell: its mean surprisal (and what it means as a perplexity) and validation perplexity.
    names: each cell's name on the page (model_name)."""
    return pd.DataFrame([{
        t("compare.col.cell"): names[o.cell],
        t("compare.col.surprisal"): round(o.mean_surprisal, 2),
        t("compare.col.own_ppl"): round(2 ** o.mean_surprisal, 1),
        t("compare.col.val_ppl"): round(o.val_ppl, 1) if o.val_ppl is not None else None,
        t("compare.col.text"): o.text,
    } for o in outputs])


def side_by_side_html(outputs: list[CellOutput], start_text: str, names: dict[str, str]) -> str:
    """A column per cell: its name and figures, then its words coloured by the probability it gave them."""
    columns = []
    for o in outputs:
        spans = [word_span(w, 2 ** -bits, f"#{i} {bits:.2f} bits")
                 for i, (w, bits) in enumerate(zip(o.words, o.surprisals, strict=True))]
        val = f"{o.val_ppl:.1f}" if o.val_ppl is not None else "–"
        figures = t("compare.figures", bits=f"{o.mean_surprisal:.2f}", val=val)
        head = f"<h3 style='margin:0'>{esc(names[o.cell])}</h3><p style='margin:2px 0 6px'>{figures}</p>"
        prompt = words_html([start_text] if start_text else [], spans, legend=False)
        columns.append(f'<div style="flex:1;min-width:220px">{head}{prompt}</div>')
    return f'<div style="display:flex;gap:16px;flex-wrap:wrap">{"".join(columns)}</div>{prob_legend_html()}'


# The panel's inputs, in the order of its endpoint's parameters (/compare).
FORM = params.Form(
    params.START.but(default=START, look={"scale": 2}),
    params.SEED.but(default="7", look={"scale": 1}),
    params.TEMPERATURE.but(look={"scale": 2}),
    params.LENGTH.but(high=limits.MAX_INSIDE_LENGTH, default=limits.DEFAULT_INSIDE_LENGTH, label="compare.length",
                      look={"scale": 2}),
    params.TOP_P.but(label="compare.top_p", look={"scale": 2}),
    params.CACHE.but(look={"scale": 2}),
)


class CompareTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], engines: dict[str, DecodingEngine],
                 every_s: float = limits.STREAM_EVERY_S, mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model: a fourth column
        self.engines = engines  # one decoding engine per cell
        self.every_s = every_s  # at most one streamed update this often

    @FORM.checked
    async def compare(self, start: str, seed: int | None, temperature: float, length: int, top_p: float,
                      cache: bool, request: gr.Request | None = None) -> AsyncIterator[tuple[str, pd.DataFrame, str]]:
        """Stream (the cells' lyrics side by side, one row per cell, the seed) as the three cells write, and the
        session's own model in a fourth column when it has one.

        With the cache, each cell mixes in its own cache, with its own recorded settings (a student's model
        records none: it writes without)."""
        settings = shared_seed(params.generation(start, length, temperature, seed, top_p=top_p))
        models = with_mine({c: self.checkpoints[c] for c in self.engines}, self.mine, request)
        names = {cell: model_name(cell, ckpt) for cell, ckpt in models.items()}
        per_cell = {cell: with_cache_of(settings, ckpt, cache and (cell != MINE or recorded_settings(ckpt.metrics)
                                                                   is not None))
                    for cell, ckpt in models.items()}
        jobs = {}
        try:
            for cell, ckpt in models.items():
                engine = self.mine.engine(ckpt) if cell == MINE else self.engines[cell]
                jobs[cell] = submit(engine, per_cell[cell], keep_logits=True)
            made = {cell: [] for cell in jobs}
            bits = {cell: [] for cell in jobs}  # each word's surprisal, computed once as it arrives
            info = t("compare.info", seed=settings.seed)
            async for bunch in new_steps(jobs, self.every_s):
                if not any(bunch.values()):
                    continue
                for cell, steps in bunch.items():
                    made[cell].extend(steps)
                    bits[cell].extend(surprisal_bits(step.logits, step.token_id) for step in steps)
                outputs = [cell_output(c, models[c], jobs[c].prompt.words, made[c], settings.seed, bits[c])
                           for c in jobs]
                yield side_by_side_html(outputs, settings.start_text, names), per_cell_table(outputs, names), info
        finally:  # a busy engine, or the page closed: no cell goes on writing for nobody
            for job in jobs.values():
                job.cancel()

    def layout(self) -> None:
        with panel(t("compare.title"), "compare", t("compare.intro")):
            fields = FORM.fields(self)
            with gr.Row():
                fields.show()
            button = gr.Button(t("compare.button"), variant="primary")
            side_by_side = gr.HTML(elem_id="compare-text")
            info = gr.Markdown()
            table = gr.Dataframe(label=t("compare.table"), interactive=False, elem_id="compare-table")
            button.click(self.compare, fields.inputs(), [side_by_side, table, info],
                         api_name="compare", concurrency_limit=None)  # waits in the engines' batches
            CodeView("compare", FORM, self, "compare.title").layout(fields, fields.offer(run=button))
