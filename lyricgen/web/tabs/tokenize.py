"""Tokenize & embed: sentence → jieba words → vocabulary ids → rows of the embedding matrix."""

from __future__ import annotations

import gradio as gr
import pandas as pd
import torch
from PIL import Image

from ...checkpoint import Checkpoint
from ...tokens import UNK
from .. import limits, params
from ..code_view import CodeView
from ..i18n import t
from ..mine import Chosen, StudentModels
from ..render import heatmap_image, md_cell, shown_token
from ..validate import InputError

EXAMPLE = "窗外的星星在说话"  # an everyday sentence, not a corpus line
HEATMAP_ROW_H = 22  # one row per token, tall enough to read its position number


# The tab's inputs, in the order of its endpoint's parameters (/tokenize).
FORM = params.Form(params.SENTENCE.but(default=EXAMPLE, blank_ok=True, look={"scale": 3}), params.CELL)


class TokenizeTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], mine: StudentModels | None = None):
        self.checkpoints = checkpoints
        self.mine = mine  # each session's own model, offered as the cell "mine"

    @FORM.checked
    def tokenize(self, text: str, cell: Chosen) -> tuple[pd.DataFrame, str, Image.Image]:
        """(one row per token: position, word, id, known?, first dims, norm; the shapes as Markdown; a heatmap)."""
        ckpt = cell.ckpt
        words = ckpt.vocab.words(text)  # split as its training text was: a line break typed is <eol>
        if not words:
            raise InputError("tokenize.error.no_words")
        vocab, model = ckpt.vocab, ckpt.model
        ids = torch.tensor(vocab.encode(words), dtype=torch.long)  # (seq_len,)
        with torch.inference_mode():
            vectors = model.embedding.weight.detach()[ids.to(model.device)].float().cpu()  # (seq_len, embed_dim)
        batched = vectors.unsqueeze(1)  # (seq_len, batch=1, input_size): nn.RNN's default layout
        shown = min(limits.SHOWN_DIMS, vectors.size(1))
        word_col, known_col, norm_col = t("tokenize.col.word"), t("tokenize.col.known"), t("tokenize.col.norm")
        rows = []
        for i, (word, token_id) in enumerate(zip(words, ids.tolist(), strict=True)):
            known = "✓" if word in vocab else f"✗ → {UNK}"
            row = {"#": i, word_col: shown_token(word), "id": token_id, known_col: known}
            row.update({f"d{j}": round(float(vectors[i, j]), 3) for j in range(shown)})
            row[norm_col] = round(float(vectors[i].norm()), 3)
            rows.append(row)
        seq_len, embed_dim = vectors.shape
        unknown = [w for w in words if w not in vocab]
        parts = ["\n".join([
            t("tokenize.shapes.tokens", tokens=" | ".join(md_cell(shown_token(w)) for w in words)),
            t("tokenize.shapes.ids", ids=ids.tolist(), shape=tuple(ids.shape)),
            t("tokenize.shapes.lookup", matrix=tuple(model.embedding.weight.shape), shape=(seq_len, embed_dim)),
            t("tokenize.shapes.batch", shape=tuple(batched.shape), cell=type(model.rnn).__name__),
        ])]
        if unknown:
            shown_unknown = " | ".join(map(md_cell, dict.fromkeys(unknown)))  # as in line 1
            parts.append(t("tokenize.unknown", unk=UNK, words=shown_unknown))
        if shown < embed_dim:
            parts.append(t("tokenize.first_dims", shown=shown, dims=embed_dim))
        picture = heatmap_image(vectors.numpy(), cell_h=HEATMAP_ROW_H, column_header=t("tokenize.dim"))
        return pd.DataFrame(rows), "\n\n".join(parts), picture

    def layout(self) -> None:
        with gr.Tab(t("tab.tokenize"), id="tokenize", elem_id="tab-tokenize"):
            gr.Markdown(t("tokenize.intro"))
            fields = FORM.fields(self)
            with gr.Row():
                text, _ = fields.show()
            button = gr.Button(t("tokenize.button"), variant="primary")
            shapes = gr.Markdown(elem_id="tokenize-shapes")
            table = gr.Dataframe(label=t("tokenize.table"), interactive=False, elem_id="token-table")
            image = gr.Image(label=t("tokenize.heatmap"), type="pil", format="png", interactive=False,
                             alt_text=t("alt.tokenize"), elem_id="heatmap")
            button.click(self.tokenize, fields.inputs(), [table, shapes, image], api_name="tokenize")
            text.submit(self.tokenize, fields.inputs(), [table, shapes, image], api_visibility="private")
            CodeView("tokenize", FORM, self, "tab.tokenize").layout(fields, fields.offer(run=button))
