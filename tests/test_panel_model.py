"""The Model tab (lyricgen/web/tabs/models.py): its tables, its one language, its link in a browser."""

from __future__ import annotations

from conftest import new_page
from languages import assert_chinese, assert_english

from lyricgen.web import i18n
from lyricgen.web.render import CELL_LABELS
from lyricgen.web.tabs import models


def test_model_tab_tables(tiny):
    summary = models.summary_markdown(tiny)
    rows = [line for line in summary.splitlines() if line.startswith("| ")]
    assert "Validation perplexity" in rows[0]
    assert [row.split(" | ")[0].strip("| ") for row in rows[1:]] == [CELL_LABELS[c] for c in ("rnn", "lstm", "gru")]
    assert all(row.count(" | ") == rows[0].count(" | ") for row in rows)  # every row fills every column
    curves = models.training_curves(tiny["lstm"])
    assert set(curves["curve"]) == {"train_loss", "val_loss"}  # the keys the plot's title explains
    assert curves["epoch"].min() == 0  # the untrained model has a validation loss but no training loss
    card = models.cell_card(tiny["lstm"])
    assert f"{tiny['lstm'].metrics['val_ppl']:.1f}" in card and "baseline" in card
    with i18n.using("zh"):
        assert "基线" in models.cell_card(tiny["lstm"]) and "验证困惑度" in models.summary_markdown(tiny)


def test_model_tab_speaks_one_language(tiny):
    for lang, check in (("zh", assert_chinese), ("en", assert_english)):
        with i18n.using(lang):
            check(models.summary_markdown(tiny), [])
            for ckpt in tiny.values():
                check(models.cell_card(ckpt), [])


def test_a_link_opens_the_model_tab(browser_app):
    from playwright.sync_api import expect

    import app

    page = new_page(browser_app, locale="zh-CN", query="?tab=model&colour=red")
    try:
        expect(page.locator("#model-summary table tbody tr")).to_have_count(len(app.CHECKPOINTS))
        expect(page.locator("#link-notice")).to_contain_text("'colour'")
    finally:
        page.context.close()
