"""The lyricgen web app: generate lyrics, look at tokens and word vectors, compare the three models.

    python app.py                                   # http://127.0.0.1:7860
    python app.py --share --auth teacher:secret     # also a temporary public gradio.live link
    python app.py --host 0.0.0.0 --port 8080        # reachable from other machines on the network

This file only lays out the page; what each button does lives in lyricgen.service, shared with
the tests. The same file runs unchanged as a Hugging Face Space (sdk: gradio, app_file: app.py).
Each tab is one function (generate_tab, tokenize_tab, model_tab, and inside_tabs with one
function per "look inside" panel): to add a tab, write another and call it in build_demo.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Gradio reads this when it is imported: no usage reports leave a classroom machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from lyricgen import insight, service  # noqa: E402
from lyricgen import insight_views as views  # noqa: E402
from lyricgen.checkpoint import Checkpoint, CheckpointError  # noqa: E402
from lyricgen.tokens import init_jieba  # noqa: E402

Checkpoints = dict[str, Checkpoint]

EXAMPLES = [  # start text, cell, temperature: short everyday phrases, not lines from the corpus
    ["星星", "lstm", 0.8],
    ["下雨的夜晚", "gru", 0.8],
    ["我想你", "rnn", 0.8],
    ["夏天的风", "lstm", 0.0],
    ["Hello 世界", "gru", 1.2],
]
TOKENIZE_EXAMPLE = "窗外的星星在说话"  # preset in the tokenize tab: an everyday sentence, not a corpus line
INSIDE_START = "星星"  # presets of the "look inside" tabs: everyday words, not corpus lines
INSIDE_SENTENCE = "我想你"
SCORE_EXAMPLE = "我想你想到睡不着"


def user_error(e: service.InputError) -> gr.Error:
    """A gr.Error is always shown to the student, even with show_error=False (which hides crashes)."""
    return gr.Error(str(e), title="输入有误 · Input error", print_exception=False)


def refusing_bad_input(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The handler, with the package's InputError shown to the student as a gr.Error (see user_error)."""
    @functools.wraps(handler)
    def checked(*args: Any) -> Any:
        try:
            return handler(*args)
        except service.InputError as e:
            raise user_error(e) from None

    return checked


# ---------------------------------------------------------------------------------------------
# Handlers: plain functions of the inputs, built around the loaded checkpoints


def make_generate_handler(checkpoints: Checkpoints) -> Callable[..., Iterator[tuple[str, str]]]:
    def generate(start_text: str, length: float, temperature: float, cell: str, top_k: float | None,
                 seed: str | None) -> Iterator[tuple[str, str]]:
        """Stream the lyrics as they are written: a generator handler, so the page updates as words arrive."""
        try:
            request = service.check_generate(start_text, length, temperature, top_k, seed)
            ckpt = service.pick(checkpoints, cell)
        except service.InputError as e:
            raise user_error(e) from None
        # No torch.no_grad() around this loop: grad mode is per thread, and Gradio may resume a
        # generator on another worker thread. generate_steps switches inference mode per step.
        # Updates at most every STREAM_EVERY_S: each one costs the server more than a word does.
        for update in service.generate_stream(ckpt, request, service.STREAM_EVERY_S):
            yield update.text, update.info

    return generate


def make_tokenize_handler(checkpoints: Checkpoints) -> Callable[..., tuple[pd.DataFrame, str, Image.Image]]:
    def tokenize(text: str, cell: str) -> tuple[pd.DataFrame, str, Image.Image]:
        """Sentence → words → ids → vectors of the chosen model's embedding matrix."""
        try:
            result = service.tokenize(service.pick(checkpoints, cell), text)
        except service.InputError as e:
            raise user_error(e) from None
        return result.table, result.shapes, result.heatmap

    return tokenize


# The "look inside" handlers: lyricgen.insight_views does the work; these only hand its results to
# the widgets (a bar chart's order and scale, a gallery's pictures).


def make_next_words_handler(checkpoints: Checkpoints) -> Callable[..., tuple]:
    @refusing_bad_input
    def next_words(start_text: str, cell: str, length: float, temperature: float, seed: str | int | None,
                   step: float) -> tuple[str, str, pd.DataFrame, pd.DataFrame, int]:
        """Generated words coloured by probability; step `step`'s top-10 before and after the temperature."""
        view = views.next_words_view(checkpoints, start_text, cell, length, temperature, seed, step)
        return view.html, view.info, view.before, view.after, view.seed

    return next_words


def make_compare_handler(checkpoints: Checkpoints) -> Callable[..., tuple[str, pd.DataFrame, str]]:
    @refusing_bad_input
    def compare(start_text: str, seed: str | None, temperature: float, length: float) -> tuple[str, pd.DataFrame, str]:
        """One start text, one seed, one temperature: every cell's lyrics side by side."""
        view = views.compare_view(checkpoints, start_text, seed, temperature, length)
        return view.html, view.table, view.info

    return compare


def make_hidden_states_handler(checkpoints: Checkpoints) -> Callable[..., tuple]:
    @refusing_bad_input
    def hidden_states(text: str, cell: str) -> tuple[Image.Image, pd.DataFrame, str]:
        """h_t (and the gates) at every step, as heatmaps computed from the model's own weights."""
        view = views.hidden_states_view(checkpoints, text, cell)
        return view.picture, view.table, view.info

    return hidden_states


def make_open_box_handler(checkpoints: Checkpoints) -> Callable[[str, float], str]:
    @refusing_bad_input
    def open_box(text: str, units: float) -> str:
        """The plain RNN's one equation, term by term, checked against nn.RNN."""
        return views.open_box_view(checkpoints, text, units)

    return open_box


def make_neighbours_handler(checkpoints: Checkpoints) -> Callable[..., tuple[pd.DataFrame, str, pd.DataFrame]]:
    @refusing_bad_input
    def neighbours(word: str, cell: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """Nearest words in every cell's embedding, and a PCA map of one cell's commonest words."""
        view = views.neighbours_view(checkpoints, word, cell)
        return view.table, view.info, view.points

    return neighbours


def make_memorized_handler(checkpoints: Checkpoints) -> Callable[..., tuple[str, pd.DataFrame]]:
    @refusing_bad_input
    def memorized(lyrics: str, cell: str) -> tuple[str, pd.DataFrame]:
        """Lines and runs of six or more words that occur verbatim in the training lyrics."""
        view = views.memorized_view(checkpoints, lyrics, cell)
        return view.html, view.table

    return memorized


def make_score_line_handler(checkpoints: Checkpoints) -> Callable[[str], tuple[pd.DataFrame, str, pd.DataFrame]]:
    @refusing_bad_input
    def score_line(text: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
        """Each word's surprisal under every cell, and the line's perplexity."""
        view = views.score_line_view(checkpoints, text)
        return view.summary, view.html, view.table

    return score_line


# ---------------------------------------------------------------------------------------------
# Tabs


def cell_radio(checkpoints: Checkpoints, label: str = "模型 Cell type") -> gr.Radio:
    choices = [(service.CELL_NAMES[c], c) for c in checkpoints]
    value = "lstm" if "lstm" in checkpoints else choices[0][1]
    return gr.Radio(choices, value=value, label=label)


def generate_tab(checkpoints: Checkpoints) -> gr.Textbox:
    """The generate tab; returns its lyrics box, which the memorization check can read."""
    with gr.Tab("生成 Generate", id="generate"):
        with gr.Row():
            with gr.Column(scale=2):
                start = gr.Textbox(label="开头文字 Start text", placeholder="任何文字都可以 · any text",
                                   max_length=service.MAX_START_CHARS, lines=2)
                cell = cell_radio(checkpoints)
                length = gr.Slider(service.MIN_LENGTH, service.MAX_LENGTH, value=service.DEFAULT_LENGTH, step=1,
                                   label="生成长度 Length（词和换行 · words and line breaks）")
                temperature = gr.Slider(0, service.MAX_TEMPERATURE, value=service.DEFAULT_TEMPERATURE, step=0.05,
                                        label="温度 Temperature（0 = 贪心 greedy，越高越随机 · higher = more random）")
                with gr.Row():
                    top_k = gr.Number(0, precision=0, minimum=0, maximum=service.MAX_TOP_K,
                                      label="top-k（0 = 不限 off）")
                    seed = gr.Textbox(label="种子 Seed（留空 = 随机 · blank = random）", placeholder="例如 e.g. 42")
                button = gr.Button("生成 Generate", variant="primary")
            with gr.Column(scale=3):
                lyrics = gr.Textbox(label="歌词 Lyrics", lines=14, interactive=False, elem_id="lyrics")
                info = gr.Markdown(elem_id="generate-info")
        gr.Examples(EXAMPLES, inputs=[start, cell, temperature], label="例子 Examples（点一下 · click one）")
        inputs, handler = [start, length, temperature, cell, top_k, seed], make_generate_handler(checkpoints)
        button.click(handler, inputs, [lyrics, info], api_name="generate")
        start.submit(handler, inputs, [lyrics, info], api_visibility="private")  # Enter works too
    return lyrics


def tokenize_tab(checkpoints: Checkpoints) -> None:
    with gr.Tab("分词与词嵌入 Tokenize & embed", id="tokenize"):
        gr.Markdown("一句话先被 jieba 切成词，每个词查到词表里的编号（id），再从词嵌入矩阵取出它的向量。"
                    " · A sentence is cut into words by jieba, each word becomes its vocabulary id, and the id "
                    "picks a row (the word's vector) out of the embedding matrix.")
        with gr.Row():
            text = gr.Textbox(label="句子 Sentence", value=TOKENIZE_EXAMPLE, max_length=service.MAX_TOKENIZE_CHARS,
                              scale=3)
            cell = cell_radio(checkpoints)
        button = gr.Button("分词 Tokenize", variant="primary")
        shapes = gr.Markdown(elem_id="tokenize-shapes")
        table = gr.Dataframe(label="词、编号与向量 Tokens, ids and vectors", interactive=False, elem_id="token-table")
        image = gr.Image(label="词向量热图 Embedding heatmap（行 = 词的位置 # · rows = token position #；"
                               "红 = 正 positive，蓝 = 负 negative）", type="pil", format="png", interactive=False,
                         elem_id="heatmap")
        handler = make_tokenize_handler(checkpoints)
        button.click(handler, [text, cell], [table, shapes, image], api_name="tokenize")
        text.submit(handler, [text, cell], [table, shapes, image], api_visibility="private")


def model_tab(checkpoints: Checkpoints) -> None:
    with gr.Tab("模型 Model", id="model"):
        gr.Markdown("三个模型用同一个语料训练，区别在循环单元。"
                    f"运行设备 device：`{service.device_of(checkpoints)}`"
                    " · Three models trained on the same corpus; what differs is the recurrent cell. Perplexity:"
                    " how many words the model is, on average, torn between (lower is better); the n-gram model"
                    " is the counting baseline.")
        gr.Dataframe(service.model_summary(checkpoints), label="总览 Summary", interactive=False)
        with gr.Row():
            for ckpt in checkpoints.values():
                with gr.Column():
                    gr.Markdown(service.model_card(ckpt))
                    gr.LinePlot(service.training_curves(ckpt), x="epoch", y="loss", color="curve",
                                title="每轮的损失 Loss per epoch", x_title="轮次 epoch",
                                y_title="损失 loss (nats/word)", height=260)


@contextmanager
def panel(title: str, tab_id: str, explanation: str) -> Iterator[None]:
    """A "look inside" tab (its page element is #tab-<id>), opening with one line, Chinese · English,
    that says what the student is looking at."""
    with gr.Tab(title, id=tab_id, elem_id=f"tab-{tab_id.replace('_', '-')}"):
        gr.Markdown(explanation)
        yield


def next_words_tab(checkpoints: Checkpoints) -> None:
    with panel("下一个词 Next word", "next_words",
               "模型每一步给所有词一个概率，再按温度抽一个。颜色 = 模型给这个词的概率；拖动“步”看那一步的前 10 名。"
               " · At every step the model gives each word a probability, then the temperature reshapes it and one "
               "word is drawn. Colour = the probability the model gave the word; move *step* to see that step's "
               "top 10."):
        with gr.Row():
            with gr.Column(scale=2):
                start = gr.Textbox(label="开头文字 Start text", value=INSIDE_START, max_length=insight.MAX_TEXT_CHARS)
                cell = cell_radio(checkpoints)
                length = gr.Slider(1, insight.MAX_GENERATE, value=views.DEFAULT_STEPS, step=1,
                                   label="生成长度 Length（词 · words）")
                temperature = gr.Slider(0, service.MAX_TEMPERATURE, value=service.DEFAULT_TEMPERATURE, step=0.05,
                                        label="温度 Temperature")
                seed = gr.Textbox(label="种子 Seed（留空 = 随机 · blank = random）", value="42")
                button = gr.Button("生成 Generate", variant="primary")
            with gr.Column(scale=3):
                text = gr.HTML(elem_id="next-words-text")
                step = gr.Slider(0, insight.MAX_GENERATE - 1, value=0, step=1, label="步 Step（第几个生成的词 · which "
                                 "generated word）", elem_id="next-words-step")
                info = gr.Markdown(elem_id="next-words-info")
        with gr.Row():
            before = gr.BarPlot(x="word", y="probability", sort="-y", title="温度之前 Before temperature (T = 1)",
                                x_title="候选词 candidate", y_title="概率 probability", height=280)
            after = gr.BarPlot(x="word", y="probability", sort="-y",
                               title="温度之后 After temperature（抽样用的 · sampled from）",
                               x_title="候选词 candidate", y_title="概率 probability", height=280)
        used_seed = gr.State(None)  # the seed of the last run: moving the step slider keeps the same lyrics
        handler, outputs = make_next_words_handler(checkpoints), [text, info, before, after, used_seed]
        button.click(handler, [start, cell, length, temperature, seed, step], outputs, api_name="next_words")
        step.release(handler, [start, cell, length, temperature, used_seed, step], outputs,
                     api_visibility="private")


def compare_tab(checkpoints: Checkpoints) -> None:
    with panel("三种单元对比 Compare cells", "compare",
               "同一个开头、同一个种子、同一个温度，三个模型各写一段。惊讶度 = −log₂ p，越低说明模型越“不意外”。"
               " · Same start text, seed and temperature for every cell. Surprisal = −log₂ p of each word under the "
               "model that wrote it: lower means less surprised."):
        with gr.Row():
            start = gr.Textbox(label="开头文字 Start text", value=INSIDE_START, max_length=insight.MAX_TEXT_CHARS,
                               scale=2)
            seed = gr.Textbox(label="种子 Seed", value="7", scale=1)
            temperature = gr.Slider(0, service.MAX_TEMPERATURE, value=service.DEFAULT_TEMPERATURE, step=0.05,
                                    label="温度 Temperature", scale=2)
            length = gr.Slider(1, insight.MAX_GENERATE, value=views.DEFAULT_STEPS, step=1, label="长度 Length", scale=2)
        button = gr.Button("对比 Compare", variant="primary")
        side_by_side = gr.HTML(elem_id="compare-text")
        info = gr.Markdown()
        table = gr.Dataframe(label="每个模型 Per cell", interactive=False, elem_id="compare-table")
        button.click(make_compare_handler(checkpoints), [start, seed, temperature, length], [side_by_side, table, info],
                     api_name="compare")


def hidden_states_tab(checkpoints: Checkpoints) -> None:
    with panel("隐藏状态 Hidden states", "hidden_states",
               "RNN 每读一个词就更新一次隐藏状态 h_t（它的“记忆”）。LSTM 还有输入门、遗忘门、输出门和细胞状态 c_t；"
               "GRU 有更新门和重置门。 · Each word read updates the hidden state h_t (the cell's memory). The LSTM "
               "also has input, forget and output gates and a cell state c_t; the GRU has update and reset gates."):
        with gr.Row():
            text = gr.Textbox(label="句子 Sentence", value=TOKENIZE_EXAMPLE, max_length=insight.MAX_TEXT_CHARS, scale=3)
            cell = cell_radio(checkpoints)
        button = gr.Button("看隐藏状态 Show hidden states", variant="primary")
        info = gr.Markdown(elem_id="hidden-info")
        with gr.Row():
            gallery = gr.Image(label="热图 Heatmaps（行 = 步 rows = steps，列 = 单元 columns = units）", type="pil",
                               format="png", interactive=False, elem_id="hidden-heatmaps", scale=3)
            table = gr.Dataframe(label="每一步读入的词 The word read at each step", interactive=False, scale=1)
        button.click(make_hidden_states_handler(checkpoints), [text, cell], [gallery, table, info],
                     api_name="hidden_states")


def open_box_tab(checkpoints: Checkpoints) -> None:
    with panel("打开黑箱 Open the box", "open_box",
               "普通 RNN 只有一个公式：h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)。"
               "下面用模型自己的矩阵一步步算，再和 nn.RNN 的输出比较。 · The plain RNN is one formula; here it is "
               "computed step by step with the model's own matrices, and compared with nn.RNN's output."):
        with gr.Row():
            text = gr.Textbox(label="短句 Short sentence", value=INSIDE_SENTENCE, max_length=views.OPEN_BOX_CHARS,
                              scale=3)
            units = gr.Slider(1, views.MAX_BOX_UNITS, value=views.DEFAULT_BOX_UNITS, step=1,
                              label="显示几个单元 Units shown", scale=1)
        button = gr.Button("打开 Open", variant="primary")
        box = gr.Markdown(elem_id="open-box")
        button.click(make_open_box_handler(checkpoints), [text, units], box, api_name="open_box")


def neighbours_tab(checkpoints: Checkpoints) -> None:
    with panel("词向量近邻 Neighbours", "neighbours",
               "训练让用法相近的词得到方向相近的向量。表格：每个模型里与它余弦相似度最高的词；"
               "地图：最常用的词用 PCA 压到 2 维。"
               " · Training gives words used alike vectors pointing alike. Table: each cell's nearest words by cosine "
               "similarity; map: the commonest words flattened to 2-D by PCA (hover a dot for its word)."):
        with gr.Row():
            word = gr.Textbox(label="词 Word", value=INSIDE_START, max_length=insight.MAX_WORD_CHARS, scale=3)
            cell = cell_radio(checkpoints, "地图用的模型 Cell for the map")
        button = gr.Button("找近邻 Find neighbours", variant="primary")
        info = gr.Markdown(elem_id="neighbours-info")
        with gr.Row():
            table = gr.Dataframe(label="最近的词 Nearest words", interactive=False, elem_id="neighbours-table")
            points = gr.ScatterPlot(x="x", y="y", color="kind", title="词向量地图 Embedding map (PCA)",
                                    x_title="PC 1", y_title="PC 2", tooltip=["word", "kind"], height=420,
                                    color_map={views.QUERY: "#d62728", views.FREQUENT: "#9ecae1"})
        button.click(make_neighbours_handler(checkpoints), [word, cell], [table, info, points], api_name="neighbours")


def memorized_tab(checkpoints: Checkpoints, lyrics: gr.Textbox) -> None:
    with panel("记忆检查 Memorization", "memorized",
               "模型是在写，还是在背？和训练歌词的指纹（哈希，不是歌词本身）比较："
               "整行相同标橙色，连续 6 个词以上相同加下划线。"
               " · Writing or reciting? Checked against the training lyrics' fingerprint (hashes, not the lyrics): "
               "a whole line seen in training is orange, a run of 6+ words seen in training is underlined."):
        text = gr.Textbox(label="歌词 Lyrics（每行一句 · one line per line）", lines=6,
                          max_length=views.MAX_MEMORY_CHARS, elem_id="memorized-input")
        with gr.Row():
            take = gr.Button("用“生成”页的歌词 Use the lyrics from Generate")
            cell = cell_radio(checkpoints)
            button = gr.Button("检查 Check", variant="primary")
        marked = gr.HTML(elem_id="memorized-result")
        table = gr.Dataframe(label="每一行 Line by line", interactive=False)
        take.click(None, lyrics, text, js="(lyrics) => lyrics")  # a copy in the browser: no server call
        button.click(make_memorized_handler(checkpoints), [text, cell], [marked, table], api_name="memorized")


def score_line_tab(checkpoints: Checkpoints) -> None:
    with panel("给一句打分 Score a line", "score_line",
               "输入任何一句话：每个词的惊讶度 −log₂ p（比特），困惑度 = 2^(平均惊讶度)，越低说明模型越觉得“像歌词”。"
               " · Type any line: each word's surprisal −log₂ p (bits) under each cell; perplexity = 2^(mean "
               "surprisal), lower = more like the lyrics the model learned."):
        text = gr.Textbox(label="一句歌词 A line", value=SCORE_EXAMPLE, max_length=insight.MAX_TEXT_CHARS)
        button = gr.Button("打分 Score", variant="primary")
        summary = gr.Dataframe(label="困惑度 Perplexity", interactive=False, elem_id="score-summary")
        colored = gr.HTML(elem_id="score-words")
        table = gr.Dataframe(label="每个词的惊讶度 Surprisal per word (bits)", interactive=False)
        handler = make_score_line_handler(checkpoints)
        button.click(handler, text, [summary, colored, table], api_name="score_line")
        text.submit(handler, text, [summary, colored, table], api_visibility="private")


def inside_tabs(checkpoints: Checkpoints, lyrics: gr.Textbox) -> None:
    """Look inside the models: seven panels, one tab each, every number computed from the loaded weights."""
    with gr.Tab("看看模型内部 Look inside", id="inside"):
        with gr.Tabs():
            next_words_tab(checkpoints)
            compare_tab(checkpoints)
            hidden_states_tab(checkpoints)
            open_box_tab(checkpoints)
            neighbours_tab(checkpoints)
            memorized_tab(checkpoints, lyrics)
            score_line_tab(checkpoints)


def build_demo(checkpoints: Checkpoints) -> gr.Blocks:
    with gr.Blocks(title="lyricgen · 歌词生成", analytics_enabled=False) as demo:
        gr.Markdown("# lyricgen · 用循环神经网络写歌词 Lyrics from recurrent neural networks\n"
                    f"词级 RNN / LSTM / GRU 语言模型 · word-level language models · 设备 device："
                    f"`{service.device_of(checkpoints)}`")
        lyrics = generate_tab(checkpoints)
        tokenize_tab(checkpoints)
        inside_tabs(checkpoints, lyrics)
        model_tab(checkpoints)
    # api_open=False: every request, a direct POST included, waits in the queue and its limits.
    demo.queue(api_open=False, default_concurrency_limit=service.CONCURRENCY_LIMIT,
               max_size=service.QUEUE_MAX_SIZE)
    return demo


# Loaded once, when the module is imported (by `python app.py`, a Space, or a test).
# Broken weights stop the app here, with a message naming the file, rather than serve garbage.
init_jieba()
try:
    CHECKPOINTS = service.load_models(service.weights_root(Path(__file__).resolve().parent / "weights"))
except CheckpointError as error:
    sys.exit(f"lyricgen 无法启动 cannot start: {error}")
demo = build_demo(CHECKPOINTS)


# ---------------------------------------------------------------------------------------------
# Serving


def parse_auth(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    user, sep, password = text.partition(":")
    if not (sep and user and password):
        raise ValueError("--auth must be user:password")
    return user, password


def serve(blocks: gr.Blocks, host: str | None = None, port: int | None = None, share: bool = False,
          auth: tuple[str, str] | None = None, block: bool = True) -> str | None:
    """Launch, and when a public link was asked for but none came, say so and keep serving locally.

    Gradio itself only prints a hint about a missing file when the share server cannot be reached
    (no network, a firewall); the local server runs on either way. Returns the public URL or None.
    """
    if share and auth is None:
        print("注意：公开链接没有密码，任何拿到链接的人都能用。 · Note: the public link has no password; "
              "add --auth user:password to require one.", file=sys.stderr)
    blocks.launch(server_name=host, server_port=port, share=share, auth=auth, show_error=False,
                  enable_monitoring=False, prevent_thread_lock=True)
    if share and not blocks.share_url:
        print(f"\n无法创建公开链接（没有网络，或连不上 gradio.live）；应用仍在本机运行：{blocks.local_url}\n"
              f"Could not create a public share link (no network, or gradio.live unreachable); "
              f"the app keeps serving locally at {blocks.local_url}\n", file=sys.stderr)
    if block:
        blocks.block_thread()
    return blocks.share_url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; 0.0.0.0 = all)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860, or the next free one)")
    parser.add_argument("--share", action="store_true", help="also ask Gradio for a temporary public link")
    parser.add_argument("--auth", default=None, metavar="USER:PASSWORD", help="require this login")
    args = parser.parse_args(argv)
    try:
        auth = parse_auth(args.auth)
    except ValueError as e:
        parser.error(str(e))
    # For the server process only (tests import this module and keep torch's defaults):
    service.limit_allocator_arenas()  # before the worker threads start: memory stays flat under a class's load
    service.share_cpu_threads()  # requests running together do not fight over the same cores
    serve(demo, args.host, args.port, args.share, auth)


if __name__ == "__main__":
    main()
