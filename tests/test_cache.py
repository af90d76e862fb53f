"""The continuous cache: the mixture, its vectorized and step-by-step forms, the grid search, the CLI, the panel."""

from __future__ import annotations

import json
import math
import shutil

import pytest
import torch
from conftest import POEMS, write_lines

from lyricgen.cache import (
    CACHE_KEY,
    Cache,
    CacheGrid,
    CacheSettings,
    attention_weights,
    cache_log_probs,
    cache_target_log_probs,
    choose_cache_settings,
    for_generation,
    hidden_and_log_probs,
    perplexity,
    top_output,
)
from lyricgen.checkpoint import METRICS_FILE, load_checkpoint
from lyricgen.evaluate import main as evaluate_main
from lyricgen.evaluate import mean_nll
from lyricgen.inspect.attention import cache_attention
from lyricgen.tokens import lines_to_tokens

# A short song of the tests' own lines whose "chorus" (the first four) comes back twice.
SONG = POEMS[4:8] + POEMS[20:24] + POEMS[4:8] + POEMS[28:30] + POEMS[4:8]
SHARP = CacheSettings(lam=0.3, theta=5.0, window=500)


@pytest.fixture(scope="module")
def ckpts(tiny_weights):
    return {cell: load_checkpoint(tiny_weights[cell], "cpu") for cell in ("lstm", "gru")}


def song_ids(ckpt) -> list[int]:
    return ckpt.vocab.encode(lines_to_tokens(SONG))


def test_settings_dict_round_trip_and_checks():
    s = CacheSettings(0.25, 0.5, 300)
    assert CacheSettings.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert CacheSettings.from_dict({**s.to_dict(), "val_ppl": 12.0, "window": 300.0}) == s  # extra keys ignored
    for bad in ({"lam": 1.5, "theta": 1, "window": 5}, {"lam": 0.1, "theta": -1, "window": 5},
                {"lam": 0.1, "theta": 1, "window": 0}, {"lam": 0.1, "theta": float("nan"), "window": 5},
                {"lam": 0.1, "theta": 1}, [0.1, 1, 5]):
        with pytest.raises(ValueError):
            CacheSettings.from_dict(bad)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_lambda_zero_is_the_plain_model(ckpts, cell):
    ckpt = ckpts[cell]
    ids = song_ids(ckpt)
    with_cache, without = cache_log_probs(ckpt.model, ids, CacheSettings(0.0, 5.0, 500))
    assert torch.equal(with_cache, without)
    assert -float(without.double().mean()) == pytest.approx(mean_nll(ckpt.model, ids), rel=1e-5)


def test_hidden_states_do_not_depend_on_chunking(ckpts):
    ids = song_ids(ckpts["lstm"])
    hs, lp = hidden_and_log_probs(ckpts["lstm"].model, ids)
    hs5, lp5 = hidden_and_log_probs(ckpts["lstm"].model, ids, chunk=5)
    assert hs.shape == (len(ids) - 1, ckpts["lstm"].model.config.hidden_dim)
    torch.testing.assert_close(hs5, hs)
    torch.testing.assert_close(lp5, lp)


def step_by_step(ckpt, ids: list[int], settings: CacheSettings) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The generation path: one token per model call, Cache.mix then Cache.add; log p of each next token."""
    cache, hidden, out, dists = Cache(settings), None, [], []
    with torch.inference_mode():
        for t in range(len(ids) - 1):
            logits, hidden = ckpt.model(torch.tensor([[ids[t]]]), hidden)
            h = top_output(hidden)
            p = cache.mix(torch.softmax(logits[0, 0], dim=-1), h)
            dists.append(p)
            out.append(torch.log(p[ids[t + 1]]))
            cache.add(h, ids[t + 1])
    return torch.stack(out), dists


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_incremental_equals_vectorized_and_sums_to_one(ckpts, cell):
    ckpt = ckpts[cell]
    ids = song_ids(ckpt)
    for settings in (SHARP, CacheSettings(0.5, 0.3, 7)):  # a short window: the ring buffer wraps
        vectorized, _ = cache_log_probs(ckpt.model, ids, settings)
        incremental, dists = step_by_step(ckpt, ids, settings)
        torch.testing.assert_close(incremental, vectorized, atol=1e-4, rtol=1e-4)
        sums = torch.stack([p.double().sum() for p in dists])
        torch.testing.assert_close(sums, torch.ones_like(sums), atol=1e-5, rtol=0)
    # The banded chunks carry the window across chunk borders: tiny chunks give the same numbers.
    hs, _ = hidden_and_log_probs(ckpt.model, ids)
    next_ids = torch.tensor(ids[1:])
    torch.testing.assert_close(cache_target_log_probs(hs, next_ids, 0.3, 7, chunk=3),
                               cache_target_log_probs(hs, next_ids, 0.3, 7), equal_nan=True)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_repeated_lines_are_cheaper_with_the_cache(ckpts, cell):
    with_cache, without = cache_log_probs(ckpts[cell].model, song_ids(ckpts[cell]), SHARP)
    assert perplexity(with_cache) < 0.8 * perplexity(without)


def test_window_is_respected():
    torch.manual_seed(0)
    hs = torch.randn(12, 4)
    w = attention_weights(hs, CacheSettings(0.5, 1.0, 3))
    t, i = torch.meshgrid(torch.arange(12), torch.arange(12), indexing="ij")
    inside = (t - i >= 1) & (t - i <= 3)
    assert torch.all(w[~inside] == 0) and torch.all(w[inside] > 0)
    torch.testing.assert_close(w[1:].sum(1), torch.ones(11))
    # The ring buffer forgets as the matrix does: after 10 additions it holds positions 7, 8, 9.
    cache = Cache(CacheSettings(0.5, 1.0, 3))
    for k in range(10):
        cache.add(hs[k], k)
    weights, positions, labels = cache.weights(hs[10])
    assert sorted(positions.tolist()) == [7, 8, 9] and sorted(labels.tolist()) == [7, 8, 9]
    torch.testing.assert_close(weights[positions.argsort()], w[10, 7:10])


def test_choose_cache_settings_searches_the_grid(ckpts):
    grid = CacheGrid(lams=(0.1, 0.3), sharpness=(3.0, 30.0), windows=(5, 200))
    settings, table = choose_cache_settings(ckpts["gru"].model, song_ids(ckpts["gru"]), grid)
    assert len(table) == 1 + 2 * 2 * 2 and table.loc[0, "lam"] == 0  # the plain model first
    assert settings.lam in grid.lams and settings.window in grid.windows
    best = table.iloc[1:]["perplexity"].min()
    assert best < table.loc[0, "perplexity"]
    with_cache, _ = cache_log_probs(ckpts["gru"].model, song_ids(ckpts["gru"]), settings)
    assert perplexity(with_cache) == pytest.approx(best, rel=1e-6)


def test_attention_panel_numbers(ckpts):
    ckpt = ckpts["gru"]
    tokens = lines_to_tokens(SONG)
    att = cache_attention(ckpt.model, ckpt.vocab, tokens, SHARP)
    T = len(tokens)
    assert att.weights.shape == (T, T) and att.position == T - 1
    assert torch.all(att.weights.triu() == 0)  # strictly lower triangular: only earlier tokens
    torch.testing.assert_close(att.weights[2:].sum(1), torch.ones(T - 2))
    # The mixed probability is the model's plus λ times the weight on earlier copies of the word.
    ids = torch.tensor(att.ids)
    same = (ids.unsqueeze(1) == ids.unsqueeze(0)).float()  # (T, T)
    expected = (1 - SHARP.lam) * att.p_model[2:] + SHARP.lam * (att.weights * same).sum(1)[2:]
    torch.testing.assert_close(att.p_cache[2:], expected, atol=1e-5, rtol=1e-4)
    assert math.isnan(att.p_model[0]) and len(att.table()) == T
    top = att.top_positions(T - 1, 3)
    assert list(top["weight"]) == sorted(top["weight"], reverse=True) and (top["position"] < T - 1).all()
    with pytest.raises(ValueError):
        att.top_positions(T)


def run_cli(capsys, *argv) -> dict:
    evaluate_main(list(argv))
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_cli_with_and_without_the_cache(tiny_weights, tmp_path, capsys):
    text = write_lines(tmp_path / "song.txt", SONG)
    folder = tmp_path / "gru"
    shutil.copytree(tiny_weights["gru"], folder)
    base = ["--weights", str(folder), "--text", str(text), "--json", "--device", "cpu"]
    metrics = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    metrics.pop(CACHE_KEY, None)  # training records one now: start from a folder without
    (folder / METRICS_FILE).write_text(json.dumps(metrics), encoding="utf-8")
    plain = run_cli(capsys, *base)
    assert set(plain) == {"perplexity", "loss", "tokens", "unk_rate"}
    flags = ["--cache-lambda", "0.3", "--cache-theta", "5", "--cache-window", "500"]
    cached = run_cli(capsys, *base, "--cache", *flags)
    assert set(cached) == set(plain) and cached["tokens"] == plain["tokens"]
    assert cached["perplexity"] < plain["perplexity"]
    with pytest.raises(SystemExit):  # no record in metrics.json and not all three flags
        evaluate_main([*base, "--cache", "--cache-lambda", "0.3"])
    assert "--cache-theta" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # the flags alone do not switch the cache on
        evaluate_main([*base, *flags])
    capsys.readouterr()
    metrics = json.loads((folder / METRICS_FILE).read_text(encoding="utf-8"))
    metrics[CACHE_KEY] = SHARP.to_dict()
    (folder / METRICS_FILE).write_text(json.dumps(metrics), encoding="utf-8")
    assert run_cli(capsys, *base, "--cache") == pytest.approx(cached)
    overridden = run_cli(capsys, *base, "--cache", "--cache-lambda", "0")
    assert overridden["perplexity"] == pytest.approx(plain["perplexity"], rel=1e-5)


def test_min_lag_keeps_the_recent_past_out_of_the_cache():
    """Generation's cache skips the current line: the latest entries get no weight, the older ones share it."""
    torch.manual_seed(0)
    cache = Cache(CacheSettings(lam=0.5, theta=1.0, window=20, min_lag=5))
    states = torch.randn(12, 8)
    for i in range(3):
        cache.add(states[i], i)
    assert cache.weights(states[3])[0].numel() == 0  # all three are nearer than 5: the model alone
    p_model = torch.full((16,), 1 / 16)
    assert torch.equal(cache.mix(p_model, states[3]), p_model)
    for i in range(3, 12):
        cache.add(states[i], i)
    weights, positions, labels = cache.weights(states[0])
    lags = cache.count - positions
    assert weights[lags < 5].sum() == 0 and weights[lags >= 5].sum() == pytest.approx(1.0)
    assert for_generation(CacheSettings(lam=0.6, theta=1.0, window=250)).min_lag > 1
    assert CacheSettings.from_dict({"lam": 0.6, "theta": 1.0, "window": 250}).min_lag == 1  # records before it
