"""The Lab's shapes panel (web/tabs/lab_shapes.py): shapes and counts against torch, served, one language, link."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from lab_helpers import chinese_too, english, has_cjk, one_thread, refused_in_english  # noqa: F401 (autouse)
from lab_languages import CJK, assert_chinese, assert_english, read, round_trip

from lyricgen.inspect.shapes import ShapeSettings, run_shapes
from lyricgen.model import CELLS
from lyricgen.web import i18n, links
from lyricgen.web.tabs.lab_shapes import ShapesTab
from lyricgen.web.validate import InputError

# ---- shapes ----

SHAPE_GRID = [
    ShapeSettings(cell, seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=layers,
                  bidirectional=bidirectional, batch_first=batch_first)
    for cell in ("rnn", "lstm", "gru")
    for layers in (1, 3)
    for bidirectional in (False, True)
    for batch_first in (False, True)
]


def grid_id(s: ShapeSettings) -> str:
    return f"{s.cell}-{s.num_layers}layers-bi{s.bidirectional:d}-bf{s.batch_first:d}"


def rows(table: dict) -> list[dict]:
    return [dict(zip(table["headers"], row, strict=True)) for row in table["data"]]


def shown(value: object) -> str:
    """What a student reads of a handler's answer: a table's headers and text cells, Markdown as it is."""
    if isinstance(value, pd.DataFrame):
        cells = [str(v) for column in value.columns for v in value[column] if isinstance(v, str)]
        return " ".join([*map(str, value.columns), *cells])
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("s", SHAPE_GRID, ids=grid_id)
def test_shapes_and_counts_match_torch(s):
    report = run_shapes(s)
    d = 2 if s.bidirectional else 1
    state = (s.num_layers * d, 3, 4)
    seq_first = {"input": (5, 3, 7), "output": (5, 3, d * 4)}
    swap = (lambda shape: (shape[1], shape[0], shape[2])) if s.batch_first else (lambda shape: shape)
    expected = [("input", swap(seq_first["input"])), ("h0", state)]
    expected += [("c0", state)] if s.cell == "lstm" else []
    expected += [("output", swap(seq_first["output"])), ("h_n", state)]
    expected += [("c_n", state)] if s.cell == "lstm" else []
    assert report.tensors == expected
    assert report.error is None and report.wrong_tensor is None

    gates = {"rnn": 1, "gru": 3, "lstm": 4}[s.cell]
    params, count = [], 0
    for layer in range(s.num_layers):
        reads = 7 if layer == 0 else d * 4
        for suffix in ("", "_reverse")[:d]:
            shapes = [(gates * 4, reads), (gates * 4, 4), (gates * 4,), (gates * 4,)]
            for name, shape in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), shapes, strict=True):
                params.append((f"{name}_l{layer}{suffix}", shape))
                count += torch.Size(shape).numel()
    assert report.parameters == params
    module = CELLS[s.cell](7, 4, s.num_layers, bidirectional=s.bidirectional)
    assert report.formula_count == report.torch_count == count == sum(p.numel() for p in module.parameters())
    assert len(report.terms) == s.num_layers * d
    assert all(t.total == t.weight_ih + t.weight_hh + t.biases for t in report.terms)


def test_count_terms_of_a_known_case():
    report = run_shapes(ShapeSettings("lstm", input_size=10, hidden_size=20, num_layers=1))
    term = report.terms[0]
    assert (term.gates, term.weight_ih, term.weight_hh, term.biases) == (4, 800, 1600, 160)
    assert report.formula_count == report.torch_count == 2560


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("wrong", ["h0", "input"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_the_wrong_switch_returns_torchs_own_message(cell, wrong, batch_first):
    s = ShapeSettings(cell, seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=2, bidirectional=True,
                      batch_first=batch_first, wrong=wrong)
    report = run_shapes(s)
    assert report.wrong_tensor == wrong and report.error
    assert [name for name, _ in report.tensors] == ["input", "h0", "c0"][: 3 if cell == "lstm" else 2]
    shapes = dict(report.tensors)
    right = {"input": (3, 5, 7) if batch_first else (5, 3, 7), "h0": (4, 3, 4)}
    assert report.expected_shape == right[wrong] and shapes[wrong] != right[wrong]
    # The same call made here directly raises the same message.
    module = CELLS[cell](7, 4, 2, bidirectional=True, batch_first=batch_first)
    h0 = torch.zeros(shapes["h0"])
    hx = (h0, torch.zeros(right["h0"])) if cell == "lstm" else h0
    with pytest.raises((RuntimeError, ValueError)) as caught:
        module(torch.zeros(shapes["input"]), hx)
    assert report.error == str(caught.value)


# ---------------------------------------------------------------------------------------------
# Shapes


@pytest.mark.parametrize(
    "settings",
    [
        ShapeSettings("lstm", seq_len=5, batch=32, input_size=128, hidden_size=64, num_layers=2),
        ShapeSettings("gru", seq_len=5, batch=3, input_size=7, hidden_size=4, num_layers=3, bidirectional=True),
        ShapeSettings("rnn", seq_len=6, batch=2, input_size=10, hidden_size=20, num_layers=1, batch_first=True),
        ShapeSettings("lstm", seq_len=4, batch=8, input_size=16, hidden_size=12, num_layers=3, bidirectional=True,
                      batch_first=True),
    ],
)
def test_client_shapes_match_torch(served, settings):
    client_, _ = served
    s = settings
    code, tensors, parameters, count, error = client_.predict(
        s.cell, s.seq_len, s.batch, s.input_size, s.hidden_size, s.num_layers, s.bidirectional, s.batch_first,
        "none", api_name="/shapes")
    report = run_shapes(s)
    assert [(r["Tensor"], r["Shape"]) for r in rows(tensors)] == [(n, str(sh)) for n, sh in report.tensors]
    d = 2 if s.bidirectional else 1
    out = (s.batch, s.seq_len, d * s.hidden_size) if s.batch_first else (s.seq_len, s.batch, d * s.hidden_size)
    assert dict((r["Tensor"], r["Shape"]) for r in rows(tensors))["output"] == str(out)
    module = CELLS[s.cell](
        s.input_size, s.hidden_size, s.num_layers, bidirectional=s.bidirectional, batch_first=s.batch_first)
    params = rows(parameters)
    assert [r["Parameter"] for r in params] == [name for name, _ in module.named_parameters()]
    assert [r["Shape"] for r in params] == [str(tuple(p.shape)) for p in module.parameters()]
    total = sum(p.numel() for p in module.parameters())
    assert sum(r["Elements"] for r in params) == total
    assert f"**{total:,}**" in count and "✓" in count
    assert f"num_layers={s.num_layers}, bidirectional={s.bidirectional}, batch_first={s.batch_first})" in code
    assert code.startswith(f"rnn = nn.{ {'rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}[s.cell]}(input_size=")
    assert "✓" in error


@pytest.mark.parametrize(("wrong", "torch_says", "why"), [("h0", "Expected hidden size", "never h0"),
                                                          ("input", "input.size(-1) must be equal", "input_size")])
def test_client_shapes_wrong_switch_shows_torchs_message(served, wrong, torch_says, why):
    client_, _ = served
    _, tensors, _, _, error = client_.predict("gru", 5, 3, 7, 4, 2, True, False, wrong, api_name="/shapes")
    assert torch_says in error and why in error and not has_cjk(error)
    assert any(r["Axes"].startswith("✗") for r in rows(tensors))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lstm", 5, 3, 1024, 1024, 6, True, False, "none"), "too big"),
        (("lstm", 100, 64, 512, 512, 1, False, False, "none"), "Too much work"),
    ],
)
def test_client_shapes_refuses_bad_input(served, args, message):
    refused_in_english(served[0], "/shapes", args, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lstm", 5, 3, 7, 4, 0, False, False, "none"), "num_layers must be between"),
        (("lstm", 5, 3, 7, 4, 2, "yes", False, "none"), "bidirectional must be True or False"),
        (("lstm", 5, 3, 7, 4, 2, False, None, "none"), "batch_first must be True or False"),
        (("lstm", 5.5, 3, 7, 4, 2, False, False, "none"), "whole number"),
        (("conv", 5, 3, 7, 4, 2, False, False, "none"), "No mode"),
        (("lstm", 5, 3, 7, 4, 2, False, False, "c0"), "No wrong-shape choice"),
    ],
)
def test_shapes_refuses_what_the_page_cannot_send(args, message):
    with pytest.raises(InputError, match=message) as info:
        ShapesTab().shapes(*args)
    assert english(info.value) and chinese_too(info.value)


def test_shapes_handler_counts_equal_torch_in_python():
    tab = ShapesTab()
    *_, count, _ = tab.shapes("gru", 5, 3, 7, 4, 3, True, True, "none")
    assert "**984**" in count  # 3 × 4 × (7 + 4 + 2) × 2 + 3 × 4 × (8 + 4 + 2) × 4


@pytest.mark.parametrize("wrong", ["none", "h0", "input"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_shapes_speak_one_language(wrong, batch_first):
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            code, tensors, parameters, count, error = ShapesTab().shapes("lstm", 5, 3, 7, 4, 2, True, batch_first,
                                                                         wrong)
        for value in (tensors, parameters, count, error):  # in English, PyTorch's own message is English too
            check(shown(value))
        assert code.startswith("rnn = nn.LSTM(")  # code is code in every language


@pytest.mark.parametrize(
    ("args", "english", "chinese"),
    [
        (("lstm", 5, 3, 1024, 1024, 6, True, False, "none"), "This layer has", "太大了"),
        (("lstm", 100, 64, 512, 512, 1, False, False, "none"), "Too much work", "计算量太大"),
        (("lstm", 5, 3, 7, 4, 2, "yes", False, "none"), "bidirectional must be True or False", "必须是 True 或 False"),
        (("conv", 5, 3, 7, 4, 2, False, False, "none"), "No mode 'conv'", "没有这种单元类型"),
    ],
)
def test_shapes_refusals_speak_one_language(args, english, chinese):
    for lang, expected in (("en", english), ("zh", chinese)):
        with i18n.using(lang), pytest.raises(InputError) as info:
            ShapesTab().shapes(*args)
        assert expected in str(info.value)
    assert_english(info.value.msg.render("en"))
    assert CJK.search(info.value.msg.render("zh"))


def test_shapes_link_sets_up_and_runs(built):
    setup = built.setups["shapes"]
    assert list(setup.params) == ["mode", "seq_len", "batch", "input_size", "hidden_size", "num_layers",
                                  "bidirectional", "batch_first", "wrong"]
    filled = read(built, {"tab": "shapes", "mode": "gru", "seq_len": "5", "batch": "3", "input_size": "10",
                          "hidden_size": "20", "num_layers": "2", "bidirectional": "1", "batch_first": "off",
                          "wrong": "h0"})
    assert filled.values == {"mode": "gru", "seq_len": 5, "batch": 3, "input_size": 10, "hidden_size": 20,
                             "num_layers": 2, "bidirectional": True, "batch_first": False, "wrong": "h0"}
    assert not filled.notices
    round_trip(built, filled)

    bad = read(built, {"tab": "shapes", "mode": "conv", "num_layers": "7", "bidirectional": "maybe", "seq_len": "5"})
    assert bad.values == {"seq_len": 5} and len(bad.notices) == 3
    assert any("num_layers" in n and "between 1 and 6" in n for n in bad.notices)
    with i18n.using("zh"):
        chinese = links.read_query(built.setups, {"tab": "shapes", "mode": "conv"})
    assert_chinese(chinese.notices[0])
