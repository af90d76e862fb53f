"""The Lab tab in a real browser: headless Chromium (the system's, never a downloaded one) via Playwright.

Trains a model live and stops it, computes the gradients through time, runs the shapes lesson right and
wrong, on the Chinese page (a zh-CN browser); opens the Lab's links in an English one. The app is the one
app.py serves, on the shipped weights (or $LYRICGEN_WEIGHTS). With LYRICGEN_SCREENSHOTS=1 it saves
docs/screenshots/lab_train.png, lab_gradients.png and lab_shapes.png (the README's pictures), and lets the
training run longer first so its curve and samples show something.
Skipped when Chromium or Playwright is missing, except on CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

from conftest import open_tab, screenshot, shooting
from test_i18n import CJK


def lab(page, tab: str, panel_id: str):
    """Open a Lab sub-tab; returns its panel."""
    return open_tab(page, "实验室", tab, panel_id)


def set_slider(panel, elem_id: str, value: float) -> None:
    box = panel.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_train_streams_then_stops_with_a_download(page):
    from playwright.sync_api import expect

    panel = lab(page, "自己训练", "tab-lab-train")
    set_slider(panel, "lab-hidden", 64)
    set_slider(panel, "lab-budget", 60)
    panel.get_by_role("button", name="开始训练").click()
    status = panel.locator("#lab-status")
    expect(status).to_contain_text("词元/秒")  # the first streamed update
    samples = panel.locator("#lab-samples textarea")
    assert samples.input_value().startswith("第 0 步：明月")
    page.wait_for_timeout(25_000 if shooting() else 1_000)  # longer for the picture: a curve, several samples
    panel.get_by_role("button", name="停止", exact=True).click()
    expect(status).to_contain_text("训练结束：已停止", timeout=30_000)
    expect(status).to_contain_text("基线的验证困惑度")
    expect(panel.locator("#lab-download")).to_contain_text(".zip")
    page.wait_for_timeout(1500)  # the line plot draws after the data lands
    screenshot(page, "lab_train")
    # The model is this session's own now: its link opens Hidden states in place, "my model" chosen.
    status.get_by_role("link", name="隐藏状态").click()
    hidden = page.locator("#tab-hidden-states")
    expect(hidden).to_be_visible()
    expect(hidden.get_by_role("radio", name="我的模型")).to_be_checked()
    assert "cell=mine" in page.url
    hidden.get_by_role("button", name="看隐藏状态").click()
    expect(hidden.locator("#hidden-info")).to_contain_text("我的模型")


def test_gradients_plot_and_explain(page):
    from playwright.sync_api import expect

    panel = lab(page, "梯度消失", "tab-lab-gradients")
    set_slider(panel, "gradients-scale", 1.5)
    panel.get_by_role("button", name="计算梯度").click()
    info = panel.locator("#gradients-info")
    expect(info).to_contain_text("谱半径")
    expect(info).to_contain_text("× 1.5 →")
    expect(info).to_contain_text("治不了消失")  # the clipping lesson: the threshold 1 clips here
    page.wait_for_timeout(1500)
    screenshot(page, "lab_gradients")


def test_shapes_right_then_wrong(page):
    from playwright.sync_api import expect

    panel = lab(page, "形状实验", "tab-lab-shapes")
    panel.get_by_label("bidirectional（双向）").check()
    panel.get_by_role("button", name="运行", exact=True).click()
    tensors = panel.locator("#shapes-tensors")
    expect(tensors).to_contain_text("(5, 32, 128)")  # input: (seq_len, batch, input_size)
    expect(tensors).to_contain_text("(4, 32, 64)")  # h0: (num_layers × num_directions, batch, hidden_size)
    expect(panel.locator("#shapes-count")).to_contain_text("198,656")  # 4 × 64 × (128 + 64 + 2) × 2 × 2
    expect(panel.locator("#shapes-code")).to_contain_text("bidirectional=True")
    page.wait_for_timeout(500)
    screenshot(page, "lab_shapes")

    panel.get_by_role("radio", name="h0 形状错").check()
    panel.get_by_role("button", name="运行", exact=True).click()
    expect(panel.locator("#shapes-error")).to_contain_text("Expected hidden")  # PyTorch's own words
    expect(panel.locator("#shapes-error")).to_contain_text("从不改变 h0")


# ---------------------------------------------------------------------------------------------
# Links, in an English browser.


def test_a_shapes_link_opens_the_panel_and_runs_it(pages):
    from playwright.sync_api import expect

    page = pages(locale="en-US", query="?tab=shapes&mode=gru&seq_len=5&batch=3&input_size=10&hidden_size=20"
                                       "&num_layers=1&bidirectional=1&batch_first=0&wrong=none")
    panel = page.locator("#tab-lab-shapes")
    expect(panel.locator("#shapes-tensors")).to_contain_text("(5, 3, 10)")  # run once, as the link asked
    expect(panel.locator("#shapes-count")).to_contain_text("Parameters: 3,840")  # 3 × 20 × (10 + 20 + 2) × 2
    expect(panel.locator("#shapes-code")).to_contain_text("nn.GRU(input_size=10, hidden_size=20, num_layers=1, "
                                                          "bidirectional=True")
    text = panel.inner_text()
    assert "Weights and biases" in text and not CJK.search(text), CJK.findall(text)


def test_a_train_link_sets_up_but_leaves_the_training_to_the_student(pages):
    from playwright.sync_api import expect

    page = pages(locale="en-US", query="?tab=train&cell=rnn&hidden_size=64&budget=20&feeding=tutorial&colour=red")
    panel = page.locator("#tab-lab-train")
    expect(panel.locator("#lab-hidden input[type=number]")).to_have_value("64")
    expect(panel.locator("#lab-budget input[type=number]")).to_have_value("20")
    expect(panel.get_by_role("radio", name="The tutorial's way")).to_be_checked()
    expect(page.locator("#link-notice")).to_contain_text("'colour'")  # an unknown parameter: a notice, no error
    page.wait_for_timeout(1500)
    assert panel.locator("#lab-status").inner_text().strip() == ""  # nothing trained: the student presses Train
