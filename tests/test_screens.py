"""What the screens say, checked without a browser (tests/test_browser_screens.py looks at them in one): every
text box says how much it holds, the Next word step slider ends at the last step, the cache's two λ say why they
differ, and the Neighbours map keeps the looked-up word inside and writes words beside their dots, with a message
where the table would be for a word the vocabulary lacks (the Lesson's links: tests/test_panel_lesson.py)."""

from __future__ import annotations

import gradio as gr
import pandas as pd
import pytest

from lyricgen.cache import GENERATION_LAM_SCALE, for_generation, recorded_settings
from lyricgen.generate import GenerationSettings
from lyricgen.sampling import Sampling
from lyricgen.web import i18n
from lyricgen.web.mine import Chosen
from lyricgen.web.tabs.attention import AttentionTab
from lyricgen.web.tabs.generate import generation_info
from lyricgen.web.tabs.neighbours import (
    FREQUENT,
    MAX_LABELS,
    NEAR,
    PLOT,
    QUERY,
    RADIUS,
    NeighboursTab,
    map_layout,
    map_svg,
    overlaps,
)
from lyricgen.web.tabs.next_words import NextWordsTab


def test_the_open_box_has_one_name():
    zh = i18n.LANGUAGES["zh"].STRINGS
    assert not [key for key, value in zh.items() if "盒子" in value]  # the tab's 打开黑箱 everywhere
    assert "打开黑箱" in zh["open_box.title"] and "打开黑箱" in zh["box.heading"]


def test_every_text_box_says_how_much_it_holds(built):
    boxes = [block for block in built.blocks if isinstance(block, gr.Textbox) and block.max_length]
    assert len(boxes) >= 10
    for box in boxes:
        info = built.strings.recorded[box.info]  # recorded: the page sends it again in English
        assert f"最多 {box.max_length:,} 字" in info.render("zh"), box.label
        assert f"at most {box.max_length:,} characters" in info.render("en").lower(), box.label


@pytest.mark.parametrize("length, step", [(8, 2), (5, 50)])
def test_the_next_word_step_slider_ends_at_the_last_step(tiny, length, step):
    *_, slider = NextWordsTab(tiny).next_words("明月", "lstm", length, 0.8, "3", step)
    assert isinstance(slider, gr.Slider)
    assert slider.constructor_args == {"value": min(step, length - 1), "maximum": length - 1}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_generate_and_attention_say_why_their_cache_lambda_differs(tiny, lang):
    ckpt = tiny["gru"]
    scoring = recorded_settings(ckpt.metrics)
    writing = for_generation(scoring)
    assert writing.lam == pytest.approx(scoring.lam * GENERATION_LAM_SCALE)
    settings = GenerationSettings("明月", 8, Sampling(0.8), seed=1, cache=writing)
    why = {"zh": ("一半", "记忆与注意力"), "en": ("half", "Memory & attention")}[lang]
    with i18n.using(lang):
        generate = generation_info(Chosen("gru", ckpt), settings, ["明月"], [], 1)
        attention = AttentionTab(tiny).settings_markdown(Chosen("gru", tiny["gru"]))
    for words in (generate, attention):  # both panels give both values, and the reason
        assert f"λ = {writing.lam:g}" in words and f"{scoring.lam:g}" in words
        assert why[0] in words
    assert why[1] in generate and f"{writing.min_lag}" in attention


# ---------------------------------------------------------------------------------------------
# The Neighbours map

def inside(box: tuple[float, ...], area: tuple[float, ...]) -> bool:
    return area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3]


def check_layout(layout) -> None:
    """Every dot whole inside the plot, every word written inside it too, no two words on each other."""
    for x, y, _, kind in layout.dots:
        r = RADIUS[kind]
        assert inside((x - r, y - r, x + r, y + r), PLOT), (x, y, kind)
    for i, label in enumerate(layout.labels):
        assert inside(label.box, PLOT), label
        assert not any(overlaps(label.box, other.box) for other in layout.labels[:i]), label
    assert len(layout.labels) <= MAX_LABELS


def test_the_looked_up_word_at_the_edge_stays_inside_with_its_word(tiny):
    frequent = pd.DataFrame({"x": [float(i % 7) for i in range(60)], "y": [float(i // 7) for i in range(60)],
                             "word": [f"词{i}" for i in range(60)], "kind": FREQUENT})
    for x, y in ((30.0, 4.0), (-30.0, 0.0), (3.0, 50.0), (3.0, -50.0)):  # far past every other dot, each way
        query = pd.DataFrame({"x": [x], "y": [y], "word": ["查询的词很长"], "kind": [QUERY]})
        layout = map_layout(pd.concat([frequent, query], ignore_index=True))
        check_layout(layout)
        assert layout.x_range[0] < min(frequent.x.min(), x) and max(frequent.x.max(), x) < layout.x_range[1]
        assert layout.y_range[0] < min(frequent.y.min(), y) and max(frequent.y.max(), y) < layout.y_range[1]
        assert [label.word for label in layout.labels if label.kind == QUERY] == ["查询的词很长"]


def test_the_map_writes_the_looked_up_word_its_neighbours_and_frequent_words(tiny):
    ckpt = tiny["lstm"]
    word = ckpt.vocab.tokens[5]
    nearest = NeighboursTab(tiny).neighbours(word, "lstm")[0]["value"]["LSTM"].tolist()
    points = NeighboursTab.map_points(ckpt, word, nearest)
    assert (points["kind"] == QUERY).sum() == 1 and set(points.loc[points["kind"] == NEAR, "word"]) == set(nearest)
    layout = map_layout(points)
    check_layout(layout)
    written = {label.word: label.kind for label in layout.labels}
    assert written[word] == QUERY
    assert sum(kind == NEAR for kind in written.values()) >= len(nearest) // 2  # the nearest first, where room is
    assert sum(kind == FREQUENT for kind in written.values()) >= 5
    with i18n.using("en"):
        svg = map_svg(layout)
    assert svg.count("<circle") == len(points) + 3  # every dot, and the legend's three
    assert svg.count("<title>") == len(points) + 1  # each dot names its word on hover; the map its title
    for label in layout.labels:
        assert f">{label.word}</text>" in svg
    assert ">word looked up</text>" in svg and ">nearest word</text>" in svg and "PC 1" in svg


def test_the_map_of_a_word_outside_the_vocabulary_marks_nothing(tiny):
    points = NeighboursTab.map_points(tiny["lstm"], "Zorglub", [])
    assert set(points["kind"]) == {FREQUENT}
    check_layout(map_layout(points))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_unknown_word_gets_a_message_where_the_table_would_be(tiny, lang):
    with i18n.using(lang):
        table, message, info, _ = NeighboursTab(tiny).neighbours("明月Zorglub", "gru")
    assert table["visible"] is False and table["value"].empty
    assert message["visible"] is True
    words = {"zh": ("不在词表里", "jieba", "有相同字的词"), "en": ("not in the vocabulary", "jieba", "sharing")}
    for part in words[lang]:
        assert part in message["value"], part
    assert "明月" in message["value"] and "jieba" not in info  # said once, in the table's place
    with i18n.using(lang):
        table, message, *_ = NeighboursTab(tiny).neighbours("明月", "gru")
    assert table["visible"] is True and len(table["value"]) > 0 and message["visible"] is False
