"""The code behind a panel (the `code` API, lyricgen/code): each panel's script, run in a fresh interpreter outside
the repository (so it cannot import lyricgen), prints the same numbers as the panel's endpoint, for two or three
input sets each: words and ids equal, probabilities within 1e-4, seeded generation identical."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import parse_qsl

import nbformat
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from lab_helpers import curves
from panel_helpers import rows

from lyricgen import code
from lyricgen.checkpoint import LAB_SCRIPT, load_checkpoint
from lyricgen.code.lab import LAB_SETTINGS
from lyricgen.evaluate import mean_nll
from lyricgen.lab import LabConfig, builtin_poems, new_model, prepare
from lyricgen.provenance import POEMS_FILE
from lyricgen.web.i18n import text

# panel → setups (a link's query, as the `code` API takes it)
CASES = {
    "tokenize": ["text=窗外的星星在说话&cell=gru", "text=明月几时有\n把酒问青天&cell=rnn", "text=zorp 春风&cell=lstm"],
    "generate": ["start=明月&length=12&seed=7&cell=lstm", "start=春风&length=15&temperature=1.2&top_k=5&top_p=0.9"
                 "&seed=3&cell=gru", "start=&length=10&temperature=0&seed=1&cell=rnn"],
    "hidden_states": ["text=窗外的星星在说话&cell=lstm", "text=明月几时有\n把酒问青天&cell=gru", "text=zorp&cell=rnn"],
    "open_box": ["text=窗外的星星&units=4&cell=rnn", "text=zorp 明月&units=6&cell=rnn"],
    "score_line": ["text=我在你的身边\n今天的作业写完了吗", "text=zorp 明月"],
    "neighbours": ["word=明月&cell=lstm", "word=春风&cell=gru"],
    "shapes": ["mode=lstm&seq_len=5&batch=3&input_size=8&hidden_size=6&num_layers=2&bidirectional=1",
               "mode=gru&seq_len=4&batch=2&input_size=5&hidden_size=3&num_layers=1&batch_first=1&wrong=h0",
               "mode=rnn&seq_len=3&batch=2&input_size=4&hidden_size=3&num_layers=1&wrong=input"],
    "compare": ["start=明月&seed=7&length=10", "start=春风&seed=3&temperature=1.1&top_p=0.9&length=8"],
    "next_words": ["start=明月&cell=lstm&length=8&seed=42&step=3", "start=春风&cell=gru&length=6&temperature=1.5"
                   "&seed=5&step=5&top_k=4"],
    # a training line of the tiny corpus (conftest.POEMS), a run of its words across two lines, and a made-up line
    "memorized": ["text=床前明月光\n我在你的身边&cell=lstm", "text=窗外举头望明月\n低头思故乡&cell=gru"],
    "attention": ["text=床前明月光\n疑是地上霜\n床前明月光&cell=lstm&position=9",
                  "text=春风又绿江南岸\n明月何时照我还\n春风又绿&cell=gru&position=30"],
    "gradients": ["source=random&length=12&seed=7&scale=1.3&clip=0.5", "source=sentence&text=明月几时有把酒问青天"
                  "&length=20&seed=0&scale=0.8&clip=0"],
}


def run_scripts(text: str, folders: list, where) -> list[dict]:
    """The script in fresh interpreters (one per weights folder, side by side), in a folder outside the
    repository: each one's last line, as JSON."""
    assert "import lyricgen" not in text and "from lyricgen" not in text
    path = where / "panel.py"
    path.write_text(text, encoding="utf-8")
    runs = [subprocess.Popen([sys.executable, str(path), "--weights", str(folder)], cwd=where, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}) for folder in folders]
    printed = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]
        printed.append(json.loads(out.strip().splitlines()[-1]))
    return printed


def run_script(text: str, weights, where) -> dict:
    """The script in a fresh interpreter, in a folder outside the repository: its last line, as JSON."""
    return run_scripts(text, [weights], where)[0]


def query(setup: str) -> dict[str, str]:
    return dict(parse_qsl(setup, keep_blank_values=True))


@pytest.mark.parametrize("setup", CASES["tokenize"])
def test_tokenize_code_gives_the_panels_words_ids_and_norms(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("tokenize", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    table, _, _ = client.predict(q["text"], q["cell"], api_name="/tokenize")
    shown = rows(table)
    assert printed["ids"] == [r["id"] for r in shown]
    known, norm = text("en", "tokenize.col.known"), text("en", "tokenize.col.norm")
    assert printed["known"] == [r[known] == "✓" for r in shown]
    assert printed["norms"] == pytest.approx([r[norm] for r in shown], abs=6e-4)  # the table rounds to 3
    assert printed["shape"][:2] == [len(shown), 1]


@pytest.mark.parametrize("setup", CASES["generate"])
def test_generate_code_writes_the_panels_lyrics(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("generate", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    lyrics, _, _ = client.predict(q["start"], int(q["length"]), float(q.get("temperature", 0.8)), q["cell"],
                                  int(q.get("top_k", 0)), q["seed"], float(q.get("top_p", 1.0)), False,
                                  api_name="/generate")
    assert printed["text"] == lyrics and len(printed["words"]) == int(q["length"])


@pytest.mark.parametrize("setup", CASES["next_words"])
def test_next_words_code_gives_the_steps_top_words_and_both_probabilities(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("next_words", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    _, _, before, after, *_ = client.predict(q["start"], q["cell"], int(q["length"]),
                                               float(q.get("temperature", 0.8)), q["seed"], int(q["step"]),
                                               int(q.get("top_k", 0)), api_name="/next_words")
    before, after = before["value"]["data"], after["value"]["data"]  # the charts' rows: [label, probability]
    labels = [row[0] for row in before]
    assert labels == [f"{rank}. {'↵' if w == '<eol>' else w}" for rank, (w, _, _) in enumerate(printed["top"], 1)]
    assert [row[1] for row in before] == pytest.approx([p for _, p, _ in printed["top"]], abs=1e-4)
    assert [row[1] for row in after] == pytest.approx([p for _, _, p in printed["top"]], abs=1e-4)


@pytest.mark.parametrize("setup", CASES["hidden_states"])
def test_hidden_states_code_gives_the_panels_states_step_by_step(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("hidden_states", setup, api_name="/code"), tiny_weights[q["cell"]],
                         tmp_path)
    _, table, _ = client.predict(q["text"], q["cell"], api_name="/hidden_states")
    shown = rows(table)
    assert printed["ids"] == [r["id"] for r in shown] and printed["gap"] < 1e-5
    norm = text("en", "hidden_states.col.norm", layer=0)
    assert printed["norms"][0] == pytest.approx([r[norm] for r in shown], abs=6e-4)  # the table rounds to 3


@pytest.mark.parametrize("setup", CASES["open_box"])
def test_open_box_code_gives_the_panels_terms_step_by_step(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("open_box", setup, api_name="/code"), tiny_weights["rnn"], tmp_path)
    box = client.predict(q["text"], int(q["units"]), "rnn", api_name="/open_box")
    rows_ = [line.split(" | ") for line in box.splitlines() if re.match(r"\| \d+ \| ", line)]
    assert len(rows_) == len(printed["steps"]) and printed["gap"] < 1e-5
    for row, step in zip(rows_, printed["steps"], strict=True):
        shown = [[float(v) for v in cell.strip(" |").split()] for cell in row[2:]]
        assert shown == [pytest.approx(v, abs=6e-4) for v in step["terms"].values()]  # the panel shows 3 decimals
        assert len(shown[0]) == int(q["units"])


@pytest.mark.parametrize("setup", CASES["score_line"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_score_line_code_gives_the_panels_surprisal_and_perplexity(served, tiny_weights, tmp_path, setup, cell):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("score_line", setup, api_name="/code"), tiny_weights[cell], tmp_path)
    summary, _, words = client.predict(q["text"], api_name="/score_line")
    name = cell.upper()
    row = next(r for r in rows(summary) if r[text("en", "score_line.col.cell")] == name)
    assert row[text("en", "score_line.col.mean")] == pytest.approx(printed["mean"], abs=1e-4)
    assert row[text("en", "score_line.col.perplexity")] == pytest.approx(printed["perplexity"], abs=1e-3)
    shown = rows(words)
    assert [r[text("en", "score_line.col.word")] for r in shown] == printed["words"]
    bits = text("en", "score_line.col.bits", cell=name)
    assert [r[bits] for r in shown] == pytest.approx(printed["bits"], abs=6e-3)  # the table shows 2 decimals


@pytest.mark.parametrize("setup", CASES["neighbours"])
def test_neighbours_code_gives_the_panels_nearest_words_and_map(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("neighbours", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    table, _, info, _ = client.predict(q["word"], q["cell"], api_name="/neighbours")
    shown = rows(table["value"])
    name = q["cell"].upper()
    assert [r[name] for r in shown] == [w for w, _ in printed["nearest"]]
    assert [r[f"{name} cos"] for r in shown] == pytest.approx([c for _, c in printed["nearest"]], abs=1e-4)
    assert all(f"{share:.0%}" in info for share in printed["explained"])  # the map's two axes, said above it


@pytest.mark.parametrize("setup", CASES["shapes"])
def test_shapes_code_gives_the_panels_shapes_count_and_error(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("shapes", setup, api_name="/code"), tiny_weights["lstm"], tmp_path)
    flag = {"1": True, "0": False}
    _, tensors, parameters, count, error = client.predict(
        q["mode"], int(q["seq_len"]), int(q["batch"]), int(q["input_size"]), int(q["hidden_size"]),
        int(q["num_layers"]), flag[q.get("bidirectional", "0")], flag[q.get("batch_first", "0")],
        q.get("wrong", "none"), api_name="/shapes")
    shape = text("en", "lab_shapes.table.shape")
    assert [[r[text("en", "lab_shapes.table.tensor")], r[shape]] for r in rows(tensors)] == [
        [name, str(tuple(s))] for name, s in printed["tensors"]]
    assert [[r[text("en", "lab_shapes.table.parameter")], r[shape]] for r in rows(parameters)] == [
        [name, str(tuple(s))] for name, s in printed["parameters"]]
    assert f"{printed['count']:,}" in count
    assert (printed["error"] is None) == ("wrong" not in q) and (printed["error"] or "")[:40] in error


@pytest.mark.parametrize("setup", CASES["compare"])
def test_compare_code_writes_each_cells_lyrics_and_surprisal(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    script = client.predict("compare", setup, api_name="/code")
    _, table, _ = client.predict(q["start"], q["seed"], float(q.get("temperature", 0.8)), int(q["length"]),
                                 float(q.get("top_p", 1.0)), False, api_name="/compare")
    shown = {r[text("en", "compare.col.cell")]: r for r in rows(table)}
    cells = ("rnn", "lstm", "gru")  # the one script, run once per cell's folder
    for cell, printed in zip(cells, run_scripts(script, [tiny_weights[c] for c in cells], tmp_path), strict=True):
        row = shown[cell.upper()]
        assert printed["text"] == row[text("en", "compare.col.text")]
        assert row[text("en", "compare.col.surprisal")] == pytest.approx(printed["mean"], abs=6e-3)


@pytest.mark.parametrize("setup", CASES["memorized"])
def test_memorized_code_finds_the_panels_verbatim_lines_and_copied_runs(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("memorized", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    _, table = client.predict(q["text"], q["cell"], api_name="/memorized")
    shown = rows(table)
    assert [r[text("en", "memorized.col.verbatim")] == "⚠" for r in shown] == [li["seen"] for li in printed["lines"]]
    assert [r[text("en", "memorized.col.copied")] for r in shown] == [li["copied"] for li in printed["lines"]]
    assert [r[text("en", "memorized.col.words")] for r in shown] == [len(li["words"]) for li in printed["lines"]]
    assert printed["lines"][0]["seen"] or printed["lines"][0]["copied"]  # each case copies something


@pytest.mark.parametrize("setup", CASES["attention"])
def test_attention_code_gives_the_panels_probabilities_with_and_without_the_cache(served, tiny_weights, tmp_path,
                                                                                 setup):
    client, _ = served
    q = query(setup)
    printed = run_script(client.predict("attention", setup, api_name="/code"), tiny_weights[q["cell"]], tmp_path)
    _, summary, _, _, top, table, _ = client.predict(q["text"], q["cell"], int(q["position"]), api_name="/attention")
    shown = rows(table)
    assert [r[text("en", "attention.col.p_without")] for r in shown] == pytest.approx(printed["p_model"], rel=1e-3)
    assert [r[text("en", "attention.col.p_with")] for r in shown] == pytest.approx(printed["p_with"], rel=1e-3)
    assert [r[text("en", "attention.col.perplexity")] for r in rows(summary)] == pytest.approx(
        printed["perplexity"], rel=1e-3)  # the panel shows 4 significant digits
    looked = rows(top)
    assert [r[text("en", "attention.col.position")] for r in looked] == [k for k, *_ in printed["top"]]
    assert [r[text("en", "attention.col.weight")] for r in looked] == pytest.approx(
        [w for *_, w in printed["top"]], rel=1e-3)
    assert printed["top"] and max(p for p in printed["p_with"]) > 0


@pytest.mark.parametrize("setup", CASES["gradients"])
def test_gradients_code_gives_the_panels_curves_per_cell_and_the_scaled_rnn(served, tiny_weights, tmp_path, setup):
    client, _ = served
    q = query(setup)
    script = client.predict("gradients", setup, api_name="/code")
    cells, rnn, _ = client.predict(q["source"], q.get("text", ""), int(q["length"]), q["seed"], float(q["scale"]),
                                   float(q["clip"]), api_name="/gradients")
    drawn = {curve: [p["norm"] for p in points] for plot in (cells, rnn) for curve, points in curves(plot).items()}
    cells = ("rnn", "lstm", "gru")  # the one script, run once per cell's folder
    for cell, printed in zip(cells, run_scripts(script, [tiny_weights[c] for c in cells], tmp_path), strict=True):
        assert drawn[f"{cell.upper()} h_t"] == pytest.approx(printed["h"][::-1], rel=1e-4)
        if cell == "lstm":
            assert drawn["LSTM c_t"] == pytest.approx(printed["c"][::-1], rel=1e-4)
        if cell == "rnn":
            scaled = printed["scaled"]
            assert drawn["∂L/∂h_t"] == pytest.approx(scaled["norms"][::-1], rel=1e-4)
            assert drawn["clip(∂L/∂h_t)"] == pytest.approx(scaled["clipped"][::-1], rel=1e-4)
        else:
            assert printed["scaled"] is None and 0 < printed["keep"] < 1


@pytest.mark.parametrize("source", ["builtin", "paste"])
def test_train_code_splits_and_counts_as_the_lab_and_starts_from_its_first_weights(served, tmp_path, source):
    client, _ = served
    pasted = "\n".join(["窗外的星星在说话", "我想你想到睡不着", "夏天的风吹过小河", "星星在说话"] * 6)
    setup = f"source={source}&cell=gru&hidden_size=32&tokens=word&feeding=tutorial&budget=20"
    script = client.predict("train", setup + (f"&text={pasted}" if source == "paste" else ""), api_name="/code")
    assert (f"TEXT = {pasted!r}" in script) == (source == "paste") and "POEMS = 'lyricgen/poems.txt'" in script
    assert all(f"{name.upper()} = " in script for name in LAB_SETTINGS)
    path = tmp_path / "train.py"
    path.write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path), "--steps", "2", "--text", str(POEMS_FILE), "--out", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    cfg = LabConfig(cell="gru", hidden_size=32, tokens="word", feeding="tutorial", budget_s=20)
    data = prepare(builtin_poems() if source == "builtin" else pasted, cfg)
    assert printed["vocab_size"] == len(data.vocab) and printed["train_tokens"] == data.train_ids.numel()
    assert printed["val_tokens"] == len(data.val_ids) - 1 and printed["val_unk_rate"] == data.val_unk_rate
    assert printed["val"][0][1] == pytest.approx(mean_nll(new_model(data, cfg), data.val_ids), abs=1e-5)
    assert printed["steps"] == 2 and len(printed["train"]) == 2
    saved = load_checkpoint(tmp_path / "out", "cpu")  # strict: every tensor's name and shape
    assert saved.vocab.tokens == data.vocab.tokens and saved.model.config.cell == "gru"
    assert code.file_name("train") == LAB_SCRIPT  # the name the Lab's zip gives it, which uploads accept


def test_the_code_speaks_the_pages_language_and_the_notebook_holds_the_same_steps(served, built):
    client, url = served
    english = client.predict("tokenize", "text=明月&cell=gru", api_name="/code")
    chinese = Client(url, verbose=False, download_files=False, headers={"Accept-Language": "zh-CN"}).predict(
        "tokenize", "text=明月&cell=gru", api_name="/code")
    assert "# %% Look up the vectors" in english and "查词向量" not in english
    assert "# %% 查词向量" in chinese and "Look up the vectors" not in chinese
    book = nbformat.reads(code.notebook("tokenize", {"text": "明月"}, "en", "weights/gru", "Tokens"), as_version=4)
    nbformat.validate(book)
    kinds = [c.cell_type for c in book.cells]
    assert kinds[0] == "markdown" and kinds[1:] == ["markdown", "code"] * (len(kinds) // 2)
    script = code.script("tokenize", {"text": "明月"}, "en", "weights/gru", "Tokens")
    assert all(c.source in script for c in book.cells if c.cell_type == "code")


def test_the_code_api_refuses_as_links_do(served):
    client, _ = served
    with pytest.raises(AppError, match="does not exist: 'nowhere'"):
        client.predict("nowhere", "", api_name="/code")
    with pytest.raises(AppError, match="does not know; ignored: 'colour'"):
        client.predict("tokenize", "text=明月&colour=red", api_name="/code")
    with pytest.raises(AppError, match="no code view yet"):
        client.predict("model", "", api_name="/code")
    script = client.predict("tokenize", "text='''); import os; os.system('x') #", api_name="/code")
    assert "TEXT = \"'''); import os; os.system('x') #\"" in script  # what was typed is a string, never code
