"""The Lab's three panels together: strings in one language each, served in the browser's, links."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from lab_languages import assert_chinese, assert_english, read

from lyricgen.web import i18n
from lyricgen.web.tabs.lesson import STEPS as LESSON_STEPS

PANELS = {"train": "lab_train", "gradients": "lab_gradients", "shapes": "lab_shapes"}  # link name → tab id


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


def test_lab_panels_are_linked_by_their_short_names(built):
    for name, tab_id in PANELS.items():
        setup = built.setups[name]
        assert [tab for _, tab in setup.path] == ["lab", tab_id]
    assert built.setups["train"].run is None  # training is not cheap: the student presses Train
    assert built.setups["gradients"].run is not None and built.setups["shapes"].run is not None
    filled = read(built, {"tab": "lab_train"})  # the tab's id is not its link's name
    assert filled.setup is None and "'lab_train'" in filled.notices[0]


def test_the_lessons_lab_buttons_open_their_panels_cleanly(built):
    """The Lesson's "try it" buttons open these panels as links do: every value they set is usable."""
    queries = [query for step in LESSON_STEPS for _, query in step.try_its if query["tab"] in PANELS]
    assert {query["tab"] for query in queries} == set(PANELS)
    for query in queries:
        filled = read(built, query)
        assert filled.setup is built.setups[query["tab"]] and not filled.notices, filled.notices
        assert set(filled.values) == set(query) - {"tab"}
