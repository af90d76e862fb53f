"""记忆检查 Memorization: lines and runs of six or more words found verbatim in the training lyrics.

Checked against the fingerprint shipped with the cell's weights (hashes of lines and runs), never the lyrics.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from ...checkpoint import Checkpoint
from ...inspect.memory import check_memorization
from ...tokens import EOL
from .. import limits
from ..render import memorization_html
from ..validate import InputError, check_cell, check_text
from ..widgets import cell_radio, panel


class MemorizedTab:
    def __init__(self, checkpoints: dict[str, Checkpoint]):
        self.checkpoints = checkpoints

    def memorized(self, lyrics: str, cell: str) -> tuple[str, pd.DataFrame]:
        """(the lines, verbatim training lines on an orange band, copied runs underlined; one row per line)."""
        fingerprint = check_cell(self.checkpoints, cell).fingerprint
        if fingerprint is None:
            raise InputError("这个模型没有指纹文件（fingerprint.json），无法检查照抄",
                             "this model has no fingerprint.json, so copying cannot be checked")
        text = check_text(lyrics, limits.MAX_MEMORY_CHARS, "歌词", "lyrics", blank_ok=False)
        report = check_memorization(text.replace(EOL, "\n"), fingerprint)
        table = pd.DataFrame([{"行 line": line.index, "歌词 text": line.text,
                               "训练集原句 verbatim": "⚠" if line.seen else "",
                               "照抄词数 copied words": sum(line.copied), "词数 words": len(line.words)}
                              for line in report.lines])
        return memorization_html(report), table

    def layout(self, lyrics: gr.Textbox) -> None:
        """lyrics: the Generate tab's output box, which a button copies in."""
        with panel("记忆检查 Memorization", "memorized",
                   "模型是在写，还是在背？和训练歌词的指纹（哈希，不是歌词本身）比较："
                   "整行相同标橙色，连续 6 个词以上相同加下划线。"
                   " · Writing or reciting? Checked against the training lyrics' fingerprint (hashes, not the "
                   "lyrics): a whole line seen in training is orange, a run of 6+ words seen in training is "
                   "underlined."):
            text = gr.Textbox(label="歌词 Lyrics（每行一句 · one line per line）", lines=6,
                              max_length=limits.MAX_MEMORY_CHARS, elem_id="memorized-input")
            with gr.Row():
                take = gr.Button("用“生成”页的歌词 Use the lyrics from Generate")
                cell = cell_radio(self.checkpoints)
                button = gr.Button("检查 Check", variant="primary")
            marked = gr.HTML(elem_id="memorized-result")
            table = gr.Dataframe(label="每一行 Line by line", interactive=False)
            take.click(None, lyrics, text, js="(lyrics) => lyrics")  # a copy in the browser: no server call
            button.click(self.memorized, [text, cell], [marked, table], api_name="memorized")
