"""Model: per cell, its sizes, device, training curves from metrics.json, and perplexity beside the n-gram's.

Everything here is drawn once, while the page is built, so each string is one t() call the page can
send again in another language: the summary is a Markdown table (a Dataframe's column names could not
be re-sent), and the curves are named by metrics.json's own keys (a plot's legend is its data).
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...model import bits
from .. import links
from ..i18n import t
from ..mine import MINE, StudentModels, session_of
from ..render import CELL_LABELS, md_cell, model_name
from ..validate import InputError

CURVES = ("train_loss", "val_loss")  # metrics.json's history keys, drawn as the plot's two lines


def device_of(checkpoints: dict[str, Checkpoint]) -> str:
    return str(next(iter(checkpoints.values())).model.device)


def _fmt(value: object, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"


def summary_markdown(checkpoints: dict[str, Checkpoint]) -> str:
    """One table row per cell: sizes, parameters, and validation perplexity beside the n-gram baseline."""
    rows = []
    for cell, ckpt in checkpoints.items():
        cfg, m = ckpt.model.config, ckpt.metrics
        cells = [CELL_LABELS[cell], f"{ckpt.model.num_parameters():,}", cfg.vocab_size, cfg.embed_dim,
                 cfg.hidden_dim, cfg.num_layers, _fmt(m.get("val_ppl")), _fmt(m.get("ngram_val_ppl")),
                 _fmt(m.get("ppl_ratio_to_ngram"), 3), m.get("best_epoch", "–"), m.get("device", "–"),
                 ckpt.model.device]
        rows.append("| " + " | ".join(md_cell(str(c)) for c in cells) + " |")
    return t("model.summary", rows="\n".join(rows))


def training_curves(ckpt: Checkpoint) -> pd.DataFrame:
    """metrics.json's history in long form (epoch, loss, curve) for a line plot.

    Loss in bits per word (metrics.json keeps PyTorch's nats), the unit of every number on the page; loss,
    not perplexity: the untrained epoch 0 has a perplexity near the vocabulary size, which would flatten
    every later point against the axis.
    """
    rows = []
    for entry in ckpt.metrics.get("history", []):
        for key in CURVES:
            if isinstance(entry.get(key), (int, float)):
                rows.append({"epoch": entry["epoch"], "loss": bits(entry[key]), "curve": key})
    return pd.DataFrame(rows, columns=["epoch", "loss", "curve"])


def lab_curves(ckpt: Checkpoint) -> pd.DataFrame:
    """A Lab-trained model's loss curves (metrics.json's "history", LabHistory's fields) in long form: step, loss
    in bits per word, curve (the Lab's own names for them, L_train and L_val)."""
    history = ckpt.metrics.get("history")
    rows = []
    if isinstance(history, dict):
        for curve, steps_key, losses_key in (("L_train", "steps", "train_losses"),
                                             ("L_val", "val_steps", "val_losses")):
            for step, loss in zip(history.get(steps_key, []), history.get(losses_key, []), strict=False):
                if isinstance(step, int) and isinstance(loss, (int, float)):
                    rows.append({"step": step, "loss": bits(loss), "curve": curve})
    return pd.DataFrame(rows, columns=["step", "loss", "curve"])


def cell_card(ckpt: Checkpoint, name: str | None = None) -> str:
    """A few lines on one model, in Markdown."""
    cfg, m = ckpt.model.config, ckpt.metrics
    sizes = {"name": name or CELL_LABELS[cfg.cell], "params": f"{ckpt.model.num_parameters():,}",
             "embed": cfg.embed_dim,
             "hidden": cfg.hidden_dim, "layers": cfg.num_layers, "vocab": f"{cfg.vocab_size:,}",
             "device": ckpt.model.device}
    if isinstance(m.get("val_ppl"), (int, float)) and isinstance(m.get("ngram_val_ppl"), (int, float)):
        return t("model.card_ppl", **sizes, ppl=f"{m['val_ppl']:.1f}", order=m.get("ngram_order", "n"),
                 ngram=f"{m['ngram_val_ppl']:.1f}")
    return t("model.card", **sizes)


class ModelTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, shown on request

    def my_model(self, request: gr.Request | None = None) -> tuple[str, pd.DataFrame]:
        """The session's own model: its card (sizes, perplexity beside its n-gram's) and its training curves."""
        if self.mine is None:
            raise InputError("mine.error.unavailable")
        ckpt = self.mine.get(session_of(request))
        return cell_card(ckpt, model_name(MINE, ckpt)), lab_curves(ckpt)

    def layout(self) -> None:
        # Not tab.model: its Chinese, 模型, is widget.cell's too, which English tells apart (Model, Cell type).
        with gr.Tab(t("tab.model"), id="model", elem_id="tab-model"):
            gr.Markdown(t("model.intro", device=device_of(self.checkpoints)))
            gr.Markdown(summary_markdown(self.checkpoints), elem_id="model-summary")
            with gr.Row():
                for ckpt in self.checkpoints.values():
                    with gr.Column():
                        gr.Markdown(cell_card(ckpt))
                        gr.LinePlot(training_curves(ckpt), x="epoch", y="loss", color="curve",
                                    title=t("model.curves.title"), x_title=t("model.curves.x"),
                                    y_title=t("model.curves.y"), color_title=t("plot.curve"),
                                    caption=t("model.curves.caption"), height=260)
            if self.mine is not None:
                gr.Markdown(t("model.mine.intro"))
                show = gr.Button(t("model.mine.button"), elem_id="model-mine-button")
                with gr.Row():
                    card = gr.Markdown(elem_id="model-mine-card")
                    curves = gr.LinePlot(x="step", y="loss", color="curve", title=t("model.mine.curves"),
                                         x_title=t("lab_train.plot.x"), y_title=t("model.curves.y"),
                                         color_title=t("plot.curve"), height=260, elem_id="model-mine-curves")
                show.click(self.my_model, None, [card, curves], api_name="my_model")
            links.offer({})  # nothing to fill in: ?tab=model opens the tab
