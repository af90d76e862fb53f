"""模型 Model: per cell, its sizes, device, training curves from metrics.json, and perplexity beside the n-gram's."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ..render import CELL_LABELS


def device_of(checkpoints: dict[str, Checkpoint]) -> str:
    return str(next(iter(checkpoints.values())).model.device)


def _fmt(value: object, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"


def summary_table(checkpoints: dict[str, Checkpoint]) -> pd.DataFrame:
    """One row per cell: sizes, parameters, and validation perplexity beside the n-gram baseline."""
    rows = []
    for cell, ckpt in checkpoints.items():
        cfg, m = ckpt.model.config, ckpt.metrics
        rows.append({
            "模型 model": CELL_LABELS[cell],
            "参数 parameters": f"{ckpt.model.num_parameters():,}",
            "词表 vocab": cfg.vocab_size,
            "词向量 embed_dim": cfg.embed_dim,
            "隐藏层 hidden_dim": cfg.hidden_dim,
            "层数 layers": cfg.num_layers,
            "验证困惑度 val ppl": _fmt(m.get("val_ppl")),
            "n-gram 困惑度 ppl": _fmt(m.get("ngram_val_ppl")),
            "比值 ratio": _fmt(m.get("ppl_ratio_to_ngram"), 3),
            "最佳轮次 best epoch": m.get("best_epoch", "–"),
            "训练设备 trained on": m.get("device", "–"),
            "运行设备 running on": str(ckpt.model.device),
        })
    return pd.DataFrame(rows)


def training_curves(ckpt: Checkpoint) -> pd.DataFrame:
    """metrics.json's history in long form (epoch, loss, curve) for a line plot.

    Loss (nats per word), not perplexity: the untrained epoch 0 has a perplexity near the
    vocabulary size, which would flatten every later point against the axis.
    """
    rows = []
    for entry in ckpt.metrics.get("history", []):
        for key, name in (("train_loss", "训练 train"), ("val_loss", "验证 validation")):
            if isinstance(entry.get(key), (int, float)):
                rows.append({"epoch": entry["epoch"], "loss": entry[key], "curve": name})
    return pd.DataFrame(rows, columns=["epoch", "loss", "curve"])


def cell_card(ckpt: Checkpoint) -> str:
    """A few lines on one model, in Markdown."""
    cfg, m = ckpt.model.config, ckpt.metrics
    text = (f"### {CELL_LABELS[cfg.cell]}\n"
            f"参数 parameters：**{ckpt.model.num_parameters():,}** · embed {cfg.embed_dim} · hidden {cfg.hidden_dim}"
            f" · layers {cfg.num_layers} · vocab {cfg.vocab_size:,} · 设备 device `{ckpt.model.device}`")
    if isinstance(m.get("val_ppl"), (int, float)) and isinstance(m.get("ngram_val_ppl"), (int, float)):
        text += (f"\n\n验证困惑度 validation perplexity **{m['val_ppl']:.1f}**，"
                 f"{m.get('ngram_order', 'n')}-gram 基线 baseline {m['ngram_val_ppl']:.1f}"
                 f"（越低越好 · lower is better）")
    return text


class ModelTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def layout(self) -> None:
        with gr.Tab("模型 Model", id="model"):
            gr.Markdown("三个模型用同一个语料训练，区别在循环单元。"
                        f"运行设备 device：`{device_of(self.checkpoints)}`"
                        " · Three models trained on the same corpus; what differs is the recurrent cell. Perplexity:"
                        " how many words the model is, on average, torn between (lower is better); the n-gram model"
                        " is the counting baseline.")
            gr.Dataframe(summary_table(self.checkpoints), label="总览 Summary", interactive=False)
            with gr.Row():
                for ckpt in self.checkpoints.values():
                    with gr.Column():
                        gr.Markdown(cell_card(ckpt))
                        gr.LinePlot(training_curves(ckpt), x="epoch", y="loss", color="curve",
                                    title="每轮的损失 Loss per epoch", x_title="轮次 epoch",
                                    y_title="损失 loss (nats/word)", height=260)
