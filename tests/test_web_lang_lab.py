"""One language at a time, and links, for the Lab's panels: train it yourself, vanishing gradients, shapes
(lyricgen/web/tabs/lab_{train,gradients,shapes}.py).

Each handler's answer in Chinese holds no English sentence and in English no Chinese, apart from the data
(the samples a model writes, the code and PyTorch's own error message); a training's updates stay in the
language of the request that started it; each panel's layout strings are recorded, so the page can be sent
them in English; and each panel's link (?tab=train|gradients|shapes&…) fills its inputs, refuses a bad value
with a notice, and round-trips through Setup.query.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import pandas as pd
import pytest
from conftest import served_alone
from gradio_client import Client
from gradio_client.exceptions import AppError

from lyricgen.web import i18n, links
from lyricgen.web.tabs.lab_gradients import GradientsTab
from lyricgen.web.tabs.lab_shapes import ShapesTab
from lyricgen.web.tabs.lab_train import TrainTab
from lyricgen.web.tabs.lesson import STEPS as LESSON_STEPS
from lyricgen.web.training import Busy
from lyricgen.web.validate import InputError

CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")  # Chinese characters and full-width punctuation
STEPS = 30  # optimizer steps of a test training: a second or two
PANELS = {"train": "lab_train", "gradients": "lab_gradients", "shapes": "lab_shapes"}  # link name → tab id


def prose(text: str) -> str:
    """The words a student reads as sentences: without code blocks and spans (PyTorch's message, the code line)
    and without identifiers (seq_len, h_t, L_train), which read the same in every language."""
    text = re.sub(r"```.*?```|`[^`]*`", " ", text, flags=re.S)
    return re.sub(r"\w*_\w*", " ", text)


def assert_chinese(text: str) -> None:
    """Chinese, with no run of four English words (as tests/test_i18n.py finds a sentence; single letters are
    symbols: the gates i, f, g, o)."""
    assert CJK.search(text), text
    found = re.search(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){3,}", prose(text))
    assert found is None, found.group(0)


def assert_english(text: str) -> None:
    assert not CJK.search(text), text


def shown(value: object) -> str:
    """What a student reads of a handler's answer: a table's headers and text cells, Markdown as it is."""
    if isinstance(value, pd.DataFrame):
        cells = [str(v) for column in value.columns for v in value[column] if isinstance(v, str)]
        return " ".join([*map(str, value.columns), *cells])
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------
# The panels' own strings, recorded while the page is built.


def test_the_lab_panels_strings_are_recorded_in_one_language_each(built):
    """Every label, title, explanation and choice of the three panels is sent again in English."""
    seen = set()
    for _, props, choices in built.strings.targets:
        msgs = [*props.values(), *(label for label, _ in choices or [] if isinstance(label, i18n.Msg))]
        for msg in msgs:
            if isinstance(msg, i18n.Msg) and msg.key.split(".")[0] in PANELS.values():
                seen.add(msg.key)
                assert_chinese(msg.render("zh"))
                assert_english(msg.render("en"))
    for panel in PANELS.values():
        assert {f"{panel}.title", f"{panel}.explanation", f"{panel}.button"} <= seen
    assert {"lab_train.source.paste", "lab_train.feeding.tutorial", "lab_train.plot.y", "lab_gradients.plot.rnn",
            "lab_shapes.wrong.h0", "lab_shapes.batch_first"} <= seen


# ---------------------------------------------------------------------------------------------
# Train it yourself: the language of the request that started the training, to the end.


def train_args(**change) -> list:
    args = {"source": "builtin", "text": "", "cell": "gru", "hidden_size": 16, "lr": 0.003, "budget_s": 30,
            "feeding": "project", "start_text": "明月"}
    return list({**args, **change}.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_training_speaks_the_language_it_started_in(tiny, tmp_path, lang):
    """Started in one language, then read and stopped in the other: every update is in the first (the
    handler captures it when the training starts)."""
    tab = TrainTab(tiny, max_trainings=1, zip_dir=tmp_path)  # no step limit: it runs until stopped
    with i18n.using(lang):
        updates = tab.train(*train_args())
        first = next(updates)
    with i18n.using("en" if lang == "zh" else "zh"):
        tab.stop()
        rest = list(updates)
    assert rest and rest[-1][3] is not None  # the last update, after the stop, offers the zip
    for _, status, samples, _ in [first, *rest]:
        samples_lines = samples.splitlines()
        if lang == "zh":
            assert_chinese(status)
            assert "训练损失 L_train" in status and all(line.startswith("第 ") for line in samples_lines)
        else:
            assert_english(status)
            assert "Training loss L_train" in status and all(re.match(r"Step \d+: ", s) for s in samples_lines)
    finished = rest[-1][1]
    assert ("训练结束：已停止" in finished and "基线" in finished) if lang == "zh" else (
        "Finished: stopped" in finished and "baseline" in finished)


@pytest.mark.parametrize(
    ("change", "english", "chinese"),
    [
        ({"source": "paste", "text": ""}, "Please paste some lyrics", "请粘贴歌词"),
        ({"source": "paste", "text": "只有一行歌词"}, "At least 4 lines please (got 1)", "至少要 4 行（现在 1 行）"),
        ({"source": "paste", "text": "床前明月光\n疑是地上霜\n举头望明月\n低头思故乡"}, "Too little text", "文字太少"),
        ({"budget_s": 1000}, "The time budget must be between", "训练时间必须在"),
        ({"feeding": "shuffled"}, "No feeding 'shuffled'", "没有这种喂数据的方式"),
    ],
)
def test_train_refusals_speak_one_language(tiny, change, english, chinese):
    for lang, expected, check in (("en", english, assert_english), ("zh", chinese, assert_chinese)):
        with i18n.using(lang), pytest.raises(InputError) as info:
            list(TrainTab(tiny, max_steps=1).train(*train_args(**change)))
        assert expected in str(info.value)
        check(str(info.value))


def test_busy_speaks_one_language(tiny):
    tab = TrainTab(tiny, max_trainings=1)
    tab.slots.reserve("alice")
    for lang in ("zh", "en"):
        with i18n.using(lang):
            with pytest.raises(Busy) as same:
                tab.slots.reserve("alice")
            with pytest.raises(Busy) as server_full:
                tab.slots.reserve("bob")
        check = assert_chinese if lang == "zh" else assert_english
        for error in (same.value, server_full.value):
            check(error.message)
            check(error.title)
            assert error.message == error.msg.render(lang)
    assert "at most 1 models" in server_full.value.msg.render("en")


@pytest.fixture(scope="module")
def lab_url(tiny, tmp_path_factory):
    """The training panel served on a page of its own, STEPS steps per run: its URL."""
    tab = TrainTab(tiny, max_trainings=1, max_steps=STEPS, zip_dir=tmp_path_factory.mktemp("zips"))
    with served_alone(tab) as url:
        yield url


def test_a_served_training_speaks_the_browsers_language(lab_url):
    """Gradio runs each step of the handler in a worker thread: the language still comes from the request."""
    chinese = Client(lab_url, verbose=False, download_files=False, headers={"Accept-Language": "zh-CN"})
    _, status, samples, file = chinese.predict(*train_args(), api_name="/train")
    assert_chinese(status)
    assert "训练结束：步数到" in status and samples.startswith("第 0 步：明月") and file is not None
    with pytest.raises(AppError, match="请粘贴歌词"):
        chinese.predict(*train_args(source="paste"), api_name="/train")
    english = Client(lab_url, verbose=False, download_files=False, headers={"Accept-Language": "en"})
    _, status, samples, _ = english.predict(*train_args(), api_name="/train")
    assert_english(status)
    assert "Finished: step limit reached" in status and samples.startswith("Step 0: 明月")


# ---------------------------------------------------------------------------------------------
# Vanishing gradients and shapes: each answer in one language.


@pytest.mark.parametrize(("source", "scale", "clip"), [("random", 0.5, 0.0), ("random", 1.8, 0.01),
                                                        ("sentence", 1.0, 10.0)])
def test_gradients_speak_one_language(tiny, source, scale, clip):
    tab = GradientsTab(tiny)
    args = (source, "窗外的星星在说话我想你", 20, "7", scale, clip)
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            cells, rnn, info = tab.gradients(*args)
        check(info)
        # The legend: notation that reads the same everywhere.
        assert set(cells["curve"]) <= {"RNN h_t", "LSTM h_t", "LSTM c_t", "GRU h_t"}
        assert not CJK.search(" ".join(rnn["curve"]))


def test_gradients_refusals_speak_one_language(tiny):
    for lang, check, expected in (("zh", assert_chinese, "至少要有两个词"), ("en", assert_english, "at least two")):
        with i18n.using(lang), pytest.raises(InputError, match=expected) as info:
            GradientsTab(tiny).gradients("sentence", "月", 20, "0", 1.0, 0)
        check(str(info.value))


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


def test_served_gradients_and_shapes_speak_the_browsers_language(served):
    _, url = served
    chinese = Client(url, verbose=False, download_files=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    *_, info = chinese.predict("random", "", 20, "7", 1.5, 1.0, api_name="/gradients")
    assert_chinese(info)
    _, tensors, _, count, _ = chinese.predict("gru", 5, 3, 7, 4, 2, True, False, "h0", api_name="/shapes")
    assert tensors["headers"] == ["张量", "形状", "各维"]
    assert_chinese(count)
    with pytest.raises(AppError, match="这句话至少要有两个词"):
        chinese.predict("sentence", "月", 20, "0", 1.0, 0, api_name="/gradients")


# ---------------------------------------------------------------------------------------------
# Links: ?tab=train|gradients|shapes&…


def read(built, query: dict) -> links.Filled:
    with i18n.using("en"):
        return links.read_query(built.setups, query)


def round_trip(built, filled: links.Filled) -> None:
    """The link copied from the filled panel opens the same values again."""
    setup = filled.setup
    query = setup.query(*(filled.values[name] for name in setup.params))
    again = read(built, dict(parse_qsl(query.removeprefix("?"))))
    assert again.setup is setup and again.values == filled.values and not again.notices


def test_lab_panels_are_linked_by_their_short_names(built):
    for name, tab_id in PANELS.items():
        setup = built.setups[name]
        assert [tab for _, tab in setup.path] == ["lab", tab_id]
    assert built.setups["train"].run is None  # training is not cheap: the student presses Train
    assert built.setups["gradients"].run is not None and built.setups["shapes"].run is not None
    filled = read(built, {"tab": "lab_train"})  # the tab's id is not its link's name
    assert filled.setup is None and "'lab_train'" in filled.notices[0]


def test_train_link_sets_up_a_training(built):
    setup = built.setups["train"]
    assert list(setup.params) == ["source", "text", "cell", "hidden_size", "lr", "budget", "feeding", "start"]
    filled = read(built, {"tab": "train", "source": "paste", "text": "床前明月光\n疑是地上霜", "cell": "lstm",
                          "hidden_size": "64", "lr": "0.01", "budget": "20", "feeding": "tutorial", "start": "春风"})
    assert filled.setup is setup and not filled.notices
    assert filled.values == {"source": "paste", "text": "床前明月光\n疑是地上霜", "cell": "lstm", "hidden_size": 64,
                             "lr": 0.01, "budget": 20.0, "feeding": "tutorial", "start": "春风"}
    round_trip(built, filled)

    bad = read(built, {"tab": "train", "hidden_size": "1000", "cell": "transformer", "lr": "fast", "colour": "red",
                       "feeding": "project"})
    assert bad.values == {"feeding": "project"}
    assert len(bad.notices) == 4 and "'colour'" in bad.notices[0]
    assert any("hidden_size" in n and "between 16 and 256" in n for n in bad.notices)
    assert any("cell" in n and "No cell 'transformer'" in n for n in bad.notices)
    assert any("lr" in n and "learning rate must be a number" in n for n in bad.notices)


def test_gradients_link_sets_up_and_runs(built):
    setup = built.setups["gradients"]
    assert list(setup.params) == ["source", "text", "length", "seed", "scale", "clip"]
    filled = read(built, {"tab": "gradients", "source": "sentence", "text": "窗外的星星", "length": "40",
                          "seed": "7", "scale": "1.5", "clip": "0"})
    assert filled.values == {"source": "sentence", "text": "窗外的星星", "length": 40, "seed": "7", "scale": 1.5,
                             "clip": 0.0} and not filled.notices
    round_trip(built, filled)
    assert read(built, {"tab": "gradients", "seed": ""}).values == {"seed": ""}  # blank: a random seed

    bad = read(built, {"tab": "gradients", "length": "1", "seed": "x", "scale": "nan", "source": "lyrics"})
    assert bad.values == {} and len(bad.notices) == 4
    assert any("length" in n and "sequence length must be between 2" in n for n in bad.notices)
    assert any("scale" in n and "W_hh scale must be a number" in n for n in bad.notices)


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


def test_the_lessons_lab_buttons_open_their_panels_cleanly(built):
    """The Lesson's "try it" buttons open these panels as links do: every value they set is usable."""
    queries = [query for step in LESSON_STEPS for _, query in step.try_its if query["tab"] in PANELS]
    assert {query["tab"] for query in queries} == set(PANELS)
    for query in queries:
        filled = read(built, query)
        assert filled.setup is built.setups[query["tab"]] and not filled.notices, filled.notices
        assert set(filled.values) == set(query) - {"tab"}
