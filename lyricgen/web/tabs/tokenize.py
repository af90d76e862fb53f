"""分词与词嵌入 Tokenize & embed: sentence → jieba words → vocabulary ids → rows of the embedding matrix."""

from __future__ import annotations

import gradio as gr
import pandas as pd
import torch
from PIL import Image

from ...checkpoint import Checkpoint
from ...tokens import UNK, split_words
from .. import limits
from ..render import heatmap_image
from ..validate import InputError, check_cell, check_text
from ..widgets import cell_radio

EXAMPLE = "窗外的星星在说话"  # an everyday sentence, not a corpus line
HEATMAP_ROW_H = 22  # one row per token, tall enough to read its position number


class TokenizeTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def tokenize(self, text: str, cell: str) -> tuple[pd.DataFrame, str, Image.Image]:
        """(one row per token: position, word, id, known?, first dims, norm; the shapes as Markdown; a heatmap)."""
        ckpt = check_cell(self.checkpoints, cell)
        text = check_text(text, limits.MAX_TEXT_CHARS, "句子", "sentence")
        words = split_words(text)
        if not words:
            raise InputError("请输入至少一个词", "please type at least one word")
        vocab, model = ckpt.vocab, ckpt.model
        ids = torch.tensor(vocab.encode(words), dtype=torch.long)  # (seq_len,)
        with torch.inference_mode():
            vectors = model.embedding.weight.detach()[ids.to(model.device)].float().cpu()  # (seq_len, embed_dim)
        batched = vectors.unsqueeze(1)  # (seq_len, batch=1, input_size): nn.RNN's default layout
        shown = min(limits.SHOWN_DIMS, vectors.size(1))
        rows = []
        for i, (word, token_id) in enumerate(zip(words, ids.tolist(), strict=True)):
            row = {"#": i, "词 word": word, "id": token_id,
                   "词表中 in vocab": "✓" if word in vocab else f"✗ → {UNK}"}
            row.update({f"d{j}": round(float(vectors[i, j]), 3) for j in range(shown)})
            row["范数 norm"] = round(float(vectors[i].norm()), 3)
            rows.append(row)
        seq_len, embed_dim = vectors.shape
        unknown = [w for w in words if w not in vocab]
        shapes = "\n".join([
            f"1. jieba 分词 tokens：{' | '.join(words)}",
            f"2. 词表 id ids：`{ids.tolist()}` → 形状 shape `{tuple(ids.shape)}` = `(seq_len,)`",
            f"3. 词嵌入 embedding lookup `embedding.weight[ids]`（矩阵 matrix `{tuple(model.embedding.weight.shape)}`"
            f" = `(vocab_size, embed_dim)`）→ `{(seq_len, embed_dim)}` = `(seq_len, embed_dim)`",
            f"4. 加一个批次维度 add a batch dimension `unsqueeze(1)` → `{tuple(batched.shape)}` = "
            f"`(seq_len, batch, input_size)`：这就是 `nn.{type(model.rnn).__name__}` 要的输入 · what the cell expects",
        ])
        if unknown:
            shapes += (f"\n\n未知词 unknown words（都用同一个 `{UNK}` 向量 · all share the one `{UNK}` vector）："
                       f"{'、'.join(dict.fromkeys(unknown))}")
        if shown < embed_dim:
            shapes += (f"\n\n表格只列出前 {shown} 维；热图画出全部 {embed_dim} 维。 · "
                       f"The table shows the first {shown} of {embed_dim} dimensions; the heatmap shows them all.")
        picture = heatmap_image(vectors.numpy(), cell_h=HEATMAP_ROW_H, column_header="dim")
        return pd.DataFrame(rows), shapes, picture

    def layout(self) -> None:
        with gr.Tab("分词与词嵌入 Tokenize & embed", id="tokenize"):
            gr.Markdown("一句话先被 jieba 切成词，每个词查到词表里的编号（id），再从词嵌入矩阵取出它的向量。"
                        " · A sentence is cut into words by jieba, each word becomes its vocabulary id, and the id "
                        "picks a row (the word's vector) out of the embedding matrix.")
            with gr.Row():
                text = gr.Textbox(label="句子 Sentence", value=EXAMPLE, max_length=limits.MAX_TEXT_CHARS, scale=3)
                cell = cell_radio(self.checkpoints)
            button = gr.Button("分词 Tokenize", variant="primary")
            shapes = gr.Markdown(elem_id="tokenize-shapes")
            table = gr.Dataframe(label="词、编号与向量 Tokens, ids and vectors", interactive=False,
                                 elem_id="token-table")
            image = gr.Image(label="词向量热图 Embedding heatmap（行 = 词的位置 # · rows = token position #；"
                                   "红 = 正 positive，蓝 = 负 negative）", type="pil", format="png", interactive=False,
                             elem_id="heatmap")
            button.click(self.tokenize, [text, cell], [table, shapes, image], api_name="tokenize")
            text.submit(self.tokenize, [text, cell], [table, shapes, image], api_visibility="private")
