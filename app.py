"""The lyricgen web app: generate lyrics, look at tokens and word vectors, compare the three models.

    python app.py                                   # http://127.0.0.1:7860
    python app.py --share --auth teacher:secret     # also a temporary public gradio.live link
    python app.py --host 0.0.0.0 --port 8080        # reachable from other machines on the network

This file only lays out the page; what each button does lives in lyricgen.service, shared with
the tests. The same file runs unchanged as a Hugging Face Space (sdk: gradio, app_file: app.py).
Each tab is one function (generate_tab, tokenize_tab, model_tab): to add a tab, write another
and call it in build_demo.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

# Gradio reads this when it is imported: no usage reports leave a classroom machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402

from lyricgen import service  # noqa: E402
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


def user_error(e: service.InputError) -> gr.Error:
    """A gr.Error is always shown to the student, even with show_error=False (which hides crashes)."""
    return gr.Error(str(e), title="输入有误 · Input error", print_exception=False)


# ---------------------------------------------------------------------------------------------
# Handlers: plain functions of the inputs, built around the loaded checkpoints


def make_generate_handler(checkpoints: Checkpoints) -> Callable[..., Iterator[tuple[str, str]]]:
    def generate(start_text: str, length: float, temperature: float, cell: str, top_k: float | None,
                 seed: str | None) -> Iterator[tuple[str, str]]:
        """Stream the lyrics word by word: a generator handler, so the page updates as words arrive."""
        try:
            request = service.check_generate(start_text, length, temperature, top_k, seed)
            ckpt = service.pick(checkpoints, cell)
        except service.InputError as e:
            raise user_error(e) from None
        # No torch.no_grad() around this loop: grad mode is per thread, and Gradio may resume a
        # generator on another worker thread. generate_steps switches inference mode per step.
        for update in service.generate_stream(ckpt, request):
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


# ---------------------------------------------------------------------------------------------
# Tabs


def cell_radio(checkpoints: Checkpoints, label: str = "模型 Cell type") -> gr.Radio:
    choices = [(service.CELL_NAMES[c], c) for c in checkpoints]
    value = "lstm" if "lstm" in checkpoints else choices[0][1]
    return gr.Radio(choices, value=value, label=label)


def generate_tab(checkpoints: Checkpoints) -> None:
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


def build_demo(checkpoints: Checkpoints) -> gr.Blocks:
    with gr.Blocks(title="lyricgen · 歌词生成", analytics_enabled=False) as demo:
        gr.Markdown("# lyricgen · 用循环神经网络写歌词 Lyrics from recurrent neural networks\n"
                    f"词级 RNN / LSTM / GRU 语言模型 · word-level language models · 设备 device："
                    f"`{service.device_of(checkpoints)}`")
        generate_tab(checkpoints)
        tokenize_tab(checkpoints)
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
    serve(demo, args.host, args.port, args.share, auth)


if __name__ == "__main__":
    main()
