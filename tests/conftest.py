"""Shared fixtures: a tiny corpus the tests write themselves (classical Tang poems, one line per
line) and tiny checkpoints trained from it, so the suite needs neither ../shared nor network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the hub

POEMS = """床前明月光
疑是地上霜
举头望明月
低头思故乡
春眠不觉晓
处处闻啼鸟
夜来风雨声
花落知多少
白日依山尽
黄河入海流
欲穷千里目
更上一层楼
红豆生南国
春来发几枝
愿君多采撷
此物最相思
千山鸟飞绝
万径人踪灭
孤舟蓑笠翁
独钓寒江雪
锄禾日当午
汗滴禾下土
谁知盘中餐
粒粒皆辛苦
空山不见人
但闻人语响
返景入深林
复照青苔上
春风又绿江南岸
明月何时照我还
月落乌啼霜满天
江枫渔火对愁眠
姑苏城外寒山寺
夜半钟声到客船
明月几时有
把酒问青天
不知天上宫阙
今夕是何年
我欲乘风归去
又恐琼楼玉宇
高处不胜寒
起舞弄清影
何似在人间
""".split()

TINY = {"embed_dim": 16, "hidden_dim": 16, "batch_size": 4, "bptt": 8, "dropout": 0.0, "samples": 2}


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    return write_lines(tmp_path_factory.mktemp("corpus") / "poems.txt", POEMS * 3)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory, tiny_corpus) -> dict[str, Path]:
    """One small trained folder per cell, {cell: path}."""
    from lyricgen.train import TrainConfig, train

    root = tmp_path_factory.mktemp("weights")
    out = {}
    for cell in ("rnn", "lstm", "gru"):
        out[cell] = root / cell
        cfg = TrainConfig(cell=cell, epochs=2, val_fraction=0.2, **TINY)
        train(cfg, str(tiny_corpus), str(out[cell]), device="cpu")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def tiny(tiny_weights) -> dict:
    """The tiny checkpoints loaded as the app loads its weights, {cell: Checkpoint}."""
    from lyricgen.checkpoint import load_cells

    return load_cells(tiny_weights["lstm"].parent, "cpu")


@pytest.fixture(scope="session")
def served(tiny) -> Iterator[tuple]:
    """The app around the tiny checkpoints, launched in-process: (gradio_client.Client, url)."""
    from gradio_client import Client

    import app

    demo = app.build_demo(tiny)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True,
                show_error=False)
    try:
        yield Client(demo.local_url, verbose=False, download_files=False), demo.local_url
    finally:
        demo.close()
