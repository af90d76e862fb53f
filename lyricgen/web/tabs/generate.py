"""生成 Generate: start text, length, temperature, cell, top-k, seed and top-p in; the lyrics streamed out.

The words come from the cell's decoding engine (lyricgen/engine.py), which advances every request of
the class by one word per batched step; a request gets the same words it would get alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import gradio as gr

from ...checkpoint import Checkpoint
from ...engine import DecodingEngine
from ...generate import GenerationSettings
from ...tokens import UNK, join_words
from .. import limits
from ..render import CELL_LABELS
from ..streaming import new_steps, submit
from ..validate import check_cell, check_generation, with_cache_of
from ..widgets import cache_checkbox, cell_radio, temperature_slider, top_p_slider

EXAMPLES = [  # start text, cell, temperature: short everyday phrases, not lines from the corpus
    ["星星", "lstm", 0.8],
    ["下雨的夜晚", "gru", 0.8],
    ["我想你", "rnn", 0.8],
    ["夏天的风", "lstm", 0.0],
    ["Hello 世界", "gru", 1.2],
]


def generation_info(ckpt: Checkpoint, settings: GenerationSettings, words: list[str], unknown: list[str],
                    seed: int) -> str:
    """Markdown under the lyrics: the seed to type back, the model and settings, and unknown start words."""
    cfg = ckpt.model.config
    lines = [
        f"**种子 seed：`{seed}`**（填回“种子”框即可重现这一次 · type it into *seed* to get the same lyrics again）",
        f"模型 model：{CELL_LABELS[cfg.cell]} · 设备 device：`{ckpt.model.device}` · "
        f"温度 temperature：{settings.temperature:g}{'（贪心 greedy）' if settings.temperature == 0 else ''} · "
        f"top-k：{settings.top_k or '全部 all'}" + (f" · top-p：{settings.top_p:g}" if settings.top_p < 1 else ""),
    ]
    if settings.cache is not None:
        c = settings.cache
        lines.append(f"记忆缓存 cache：λ = {c.lam:.2f}，θ = {c.theta:.3g}，N = {c.window}（回看最近 {c.window} 个词 · "
                     f"looks back over the last {c.window} words）")
    if not words:
        lines.append("没有开头文字：模型从一行的开头写起。 · "
                     "No start text: the model starts at the beginning of a line.")
    if unknown:
        shown = "、".join(dict.fromkeys(unknown))
        lines.append(
            f"词表里没有这些词，模型把它们当作 `{UNK}`（未知词）读入：{shown}。"
            f" · Not in the vocabulary, so the model reads each as `{UNK}` (unknown word): {shown}."
        )
    return "\n\n".join(lines)


class GenerateTab:
    def __init__(self, checkpoints: dict[str, Checkpoint], engines: dict[str, DecodingEngine],
                 every_s: float = limits.STREAM_EVERY_S):
        self.checkpoints = checkpoints
        self.engines = engines  # one decoding engine per cell, shared by every request
        self.every_s = every_s  # at most one streamed update this often; 0 = one per word

    async def generate(self, start_text: str, length: float, temperature: float, cell: str, top_k: float | None,
                       seed: str | None, top_p: float = 1.0, cache: bool = False) -> AsyncIterator[tuple[str, str]]:
        """Stream (lyrics so far, info) as words are written: always the start text first and every word last."""
        settings = check_generation(start_text, length, temperature, top_k, seed, top_p=top_p)
        ckpt = check_cell(self.checkpoints, cell)
        settings = with_cache_of(settings, ckpt, cache)
        job = submit(self.engines[cell], settings)
        try:
            info = generation_info(ckpt, settings, job.prompt.words, job.prompt.unknown, job.seed)
            words = list(job.prompt.words)
            yield join_words(words), info
            async for bunch in new_steps({cell: job}, self.every_s):
                if bunch[cell]:
                    words.extend(step.token for step in bunch[cell])
                    yield join_words(words), info
        finally:  # the page may close at any yield: the request leaves the batch at the engine's next step
            job.cancel()

    def layout(self) -> gr.Textbox:
        """The tab; returns its lyrics box, which the memorization check can read."""
        with gr.Tab("生成 Generate", id="generate"):
            with gr.Row():
                with gr.Column(scale=2):
                    start = gr.Textbox(label="开头文字 Start text", placeholder="任何文字都可以 · any text",
                                       max_length=limits.MAX_TEXT_CHARS, lines=2)
                    cell = cell_radio(self.checkpoints)
                    length = gr.Slider(limits.MIN_LENGTH, limits.MAX_LENGTH, value=limits.DEFAULT_LENGTH, step=1,
                                       label="生成长度 Length（词和换行 · words and line breaks）")
                    temperature = temperature_slider(
                        label="温度 Temperature（0 = 贪心 greedy，越高越随机 · higher = more random）")
                    with gr.Row():
                        top_k = gr.Number(0, precision=0, minimum=0, maximum=limits.MAX_TOP_K,
                                          label="top-k（0 = 不限 off）")
                        seed = gr.Textbox(label="种子 Seed（留空 = 随机 · blank = random）", placeholder="例如 e.g. 42")
                    top_p = top_p_slider()
                    cache = cache_checkbox()
                    button = gr.Button("生成 Generate", variant="primary")
                with gr.Column(scale=3):
                    lyrics = gr.Textbox(label="歌词 Lyrics", lines=14, interactive=False, elem_id="lyrics")
                    info = gr.Markdown(elem_id="generate-info")
            gr.Examples(EXAMPLES, inputs=[start, cell, temperature], label="例子 Examples（点一下 · click one）")
            inputs = [start, length, temperature, cell, top_k, seed, top_p, cache]
            # No concurrency limit: a request waits in the engine's batch, not for one of Gradio's slots.
            button.click(self.generate, inputs, [lyrics, info], api_name="generate", concurrency_limit=None)
            start.submit(self.generate, inputs, [lyrics, info], api_visibility="private",  # Enter works too
                         concurrency_limit=None)
        return lyrics
