"""The 实验室 Lab tab in a real browser: headless Chromium (the system's, never a downloaded one) via Playwright.

Trains a model live and stops it, computes the gradients through time, runs the shapes lesson right and
wrong. The app is the one app.py serves, on the shipped weights (or $LYRICGEN_WEIGHTS). With
LYRICGEN_SCREENSHOTS=1 it saves docs/screenshots/lab_train.png, lab_gradients.png and lab_shapes.png
(the README's pictures), and lets the training run longer first so its curve and samples show something.
Skipped when Chromium or Playwright is missing, except on CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

from conftest import open_tab, screenshot, shooting


def lab(page, tab: str, panel_id: str):
    """Open a Lab sub-tab; returns its panel."""
    return open_tab(page, "实验室 Lab", tab, panel_id)


def set_slider(panel, elem_id: str, value: float) -> None:
    box = panel.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_train_streams_then_stops_with_a_download(page):
    from playwright.sync_api import expect

    panel = lab(page, "自己训练 Train it yourself", "tab-lab-train")
    set_slider(panel, "lab-hidden", 64)
    set_slider(panel, "lab-budget", 60)
    panel.get_by_role("button", name="开始训练 Train").click()
    status = panel.locator("#lab-status")
    expect(status).to_contain_text("tokens/s")  # the first streamed update
    samples = panel.locator("#lab-samples textarea")
    assert samples.input_value().startswith("第 0 步 step 0：明月")
    page.wait_for_timeout(25_000 if shooting() else 1_000)  # longer for the picture: a curve, several samples
    panel.get_by_role("button", name="停止 Stop").click()
    expect(status).to_contain_text("已停止 stopped", timeout=30_000)
    expect(status).to_contain_text("n-gram baseline")
    expect(panel.locator("#lab-download")).to_contain_text(".zip")
    page.wait_for_timeout(1500)  # the line plot draws after the data lands
    screenshot(page, "lab_train")


def test_gradients_plot_and_explain(page):
    from playwright.sync_api import expect

    panel = lab(page, "梯度消失 Vanishing gradients", "tab-lab-gradients")
    set_slider(panel, "gradients-scale", 1.5)
    panel.get_by_role("button", name="计算梯度 Compute gradients").click()
    info = panel.locator("#gradients-info")
    expect(info).to_contain_text("spectral radius")
    expect(info).to_contain_text("× 1.5 →")
    expect(info).to_contain_text("not vanishing")  # the clipping lesson: the threshold 1 clips here
    page.wait_for_timeout(1500)
    screenshot(page, "lab_gradients")


def test_shapes_right_then_wrong(page):
    from playwright.sync_api import expect

    panel = lab(page, "形状实验 Shapes", "tab-lab-shapes")
    panel.get_by_label("bidirectional 双向").check()
    panel.get_by_role("button", name="运行 Run").click()
    tensors = panel.locator("#shapes-tensors")
    expect(tensors).to_contain_text("(5, 32, 128)")  # input: (seq_len, batch, input_size)
    expect(tensors).to_contain_text("(4, 32, 64)")  # h0: (num_layers × num_directions, batch, hidden_size)
    expect(panel.locator("#shapes-count")).to_contain_text("198,656")  # 4 × 64 × (128 + 64 + 2) × 2 × 2
    expect(panel.locator("#shapes-code")).to_contain_text("bidirectional=True")
    page.wait_for_timeout(500)
    screenshot(page, "lab_shapes")

    panel.get_by_role("radio", name="h0 形状错 wrong h0").check()
    panel.get_by_role("button", name="运行 Run").click()
    expect(panel.locator("#shapes-error")).to_contain_text("Expected hidden")
    expect(panel.locator("#shapes-error")).to_contain_text("never h0")
