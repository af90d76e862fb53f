"""The Generate tab (lyricgen/web/tabs/generate.py): its input checks, its handler called directly, and served."""

from __future__ import annotations

import asyncio
import json
import math

import gradio as gr
import pytest
from conftest import answers
from gradio_client.exceptions import AppError

from lyricgen.cache import for_generation, recorded_settings
from lyricgen.checkpoint import Checkpoint
from lyricgen.engine import DecodingEngine
from lyricgen.generate import GenerationSettings, generate_from_settings, generate_text
from lyricgen.sampling import Sampling
from lyricgen.tokens import UNK, join_words
from lyricgen.web import limits, params
from lyricgen.web.mine import Chosen
from lyricgen.web.render import CELL_LABELS
from lyricgen.web.tabs.generate import FORM, GenerateTab, lyrics_file
from lyricgen.web.tabs.tokenize import TokenizeTab
from lyricgen.web.validate import BusyError, InputError


def run_all(handler, *args) -> list[tuple[str, str]]:
    """A Generate stream's (lyrics, info) updates; its download's update is left out (a new file each run)."""
    return [(lyrics, info) for lyrics, info, _ in answers(handler(*args))]


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def generate(tiny, engines):
    """The Generate tab's handler on the tiny models' engines, streaming at most one update every every_s
    seconds (0: one per word)."""
    return lambda every_s=limits.STREAM_EVERY_S: GenerateTab(tiny, engines, every_s).generate


# ---------------------------------------------------------------------------------------------
# Input checks (server side: whatever the browser's sliders allowed)


def checked_settings(tiny, **values) -> GenerationSettings:
    """What Generate makes of a client's values: each checked by its spec (the cell and cache left as the page's),
    then the settings they make."""
    v = FORM.check(GenerateTab(tiny, {}), {"cell": "lstm", "cache": False, **values})
    return params.generation(v["start"], v["length"], v["temperature"], v["seed"], v["top_k"], v["top_p"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("星" * (limits.MAX_TEXT_CHARS + 1), 10, 0.8, 0, ""), "too long"),
        (("星星", 0, 0.8, 0, ""), "length must be between"),
        (("星星", limits.MAX_LENGTH + 1, 0.8, 0, ""), "length must be between"),
        (("星星", 10.5, 0.8, 0, ""), "whole number"),
        (("星星", 10, -0.1, 0, ""), "temperature must be between"),
        (("星星", 10, math.nan, 0, ""), "temperature must be a number"),
        (("星星", 10, "hot", 0, ""), "temperature must be a number"),
        (("星星", 10, 0.8, -1, ""), "top-k must be between"),
        (("星星", 10, 0.8, 0, "abc"), "seed must be a whole number"),
        (("星星", 10, 0.8, 0, "-5"), "seed must be between"),
        ((["not", "text"], 10, 0.8, 0, ""), "must be text"),
        (("星星", 10, 0.8, 0, "", 0), "top-p must be between"),
        (("星星", 10, 0.8, 0, "", 1.5), "top-p must be between"),
    ],
)
def test_bad_generate_inputs_are_refused_in_the_pages_language(args, message, tiny):
    names = ("start", "length", "temperature", "top_k", "seed", "top_p")
    with pytest.raises(InputError) as info:
        checked_settings(tiny, **dict(zip(names, args, strict=False)))
    assert message in str(info.value) and str(info.value) == info.value.msg.render("en")
    assert not has_cjk(str(info.value)) and has_cjk(info.value.msg.render("zh"))


def test_good_generate_inputs_are_normalized(tiny):
    assert checked_settings(tiny, start=None, length=20.0, temperature=0, top_k=None, seed=" 42 ") == \
        GenerationSettings("", 20, Sampling(0.0, None, 1.0), 42)
    assert checked_settings(tiny, start="星星", length=5, temperature=1, top_p=0.9, seed="").sampling.top_p == 0.9
    assert checked_settings(tiny, start="星星", length=5, temperature=1, top_k=10, seed=None).sampling.top_k == 10
    assert checked_settings(tiny, start="星星", length=5, temperature=1, top_k=0, seed="").seed is None


# ---------------------------------------------------------------------------------------------
# Handlers called directly


def test_generate_streams_one_update_per_word(generate):
    updates = run_all(generate(0), "明月", 6, 0.8, "gru", 0, "7")
    assert len(updates) == 1 + 6 + 1  # the start text alone, one update per generated token, then the download
    texts = [text for text, _ in updates]
    assert texts[0] == "明月" and all(t.startswith("明月") for t in texts)
    assert len(set(texts[:-1])) == len(texts) - 1 and texts[-1] == texts[-2]  # each update adds a word
    assert "`7`" in updates[-1][1]  # the seed used is shown


def test_generate_stream_throttled_still_ends_with_every_word(generate):
    every_word = run_all(generate(0), "明月", 40, 0.8, "gru", 0, "7")
    throttled = run_all(generate(3600.0), "明月", 40, 0.8, "gru", 0, "7")
    assert throttled == [every_word[0], every_word[-1], every_word[-1]]  # first, last, and last with the download
    updates = run_all(generate(), "明月", 40, 0.8, "gru", 0, "7")
    assert updates[0][0] == "明月" and updates[-1] == every_word[-1]


def test_same_seed_same_lyrics_and_a_random_seed_is_reported(generate):
    handler = generate()
    first = run_all(handler, "明月", 12, 1.0, "rnn", 5, "123")[-1]
    assert run_all(handler, "明月", 12, 1.0, "rnn", 5, "123")[-1] == first
    text, info = run_all(handler, "明月", 12, 1.0, "rnn", 5, "")[-1]
    seed = info.split("`")[1]  # the first code span is the seed
    assert run_all(handler, "明月", 12, 1.0, "rnn", 5, seed)[-1] == (text, info)


def test_greedy_generation_is_deterministic_and_never_unknown(generate):
    handler = generate()
    first = run_all(handler, "床前", 15, 0, "lstm", 0, "")[-1][0]
    assert run_all(handler, "床前", 15, 0, "lstm", 0, "")[-1][0] == first
    assert UNK not in first


def test_unknown_start_words_are_explained_not_fatal(generate):
    text, info = run_all(generate(), "量子计算机 Zorglub", 3, 0.8, "lstm", 0, "1")[-1]
    assert text.startswith("量子计算机 Zorglub") or text.startswith("量子计算机Zorglub")
    assert "Zorglub" in info and UNK in info


def test_the_download_holds_the_lyrics_and_every_setting(generate, tiny):
    """The last update holds the lyrics for a file: the lyrics, the settings that write them again, the model's
    hashes. Every earlier update holds none, "" (plain values: no update dicts on the streamed path)."""

    async def stream() -> tuple[list, str]:
        downloads, shown = [], []
        async for lyrics, _, download in generate(0)("明月", 5, 0.8, "gru", 0, "7", 0.9):
            shown.append(lyrics)
            downloads.append(download)
        return downloads, shown[-1]

    downloads, lyrics = asyncio.run(stream())
    assert len(downloads) == 1 + 5 + 1 and all(download == "" for download in downloads[:-1])
    saved = json.loads(downloads[-1])
    name, text = saved["name"], saved["text"]
    assert name == "lyrics-gru-7.txt"
    settings = checked_settings(tiny, start="明月", length=5, temperature=0.8, top_k=0, top_p=0.9, seed="7")
    assert text == lyrics_file(Chosen("gru", tiny["gru"]), settings, 7, lyrics)
    assert text.startswith("# Lyrics written by lyricgen") and lyrics in text
    assert "Seed: 7" in text and "top-p: 0.9" in text
    assert all(digest in text for digest in tiny["gru"].file_hashes.values())


def test_bad_input_becomes_a_gradio_error(generate, tiny):
    with pytest.raises(gr.Error, match="too long"):
        run_all(generate(), "x" * 1000, 5, 0.8, "lstm", 0, "")
    with pytest.raises(gr.Error, match="No model 'transformer'"):
        run_all(generate(), "明月", 5, 0.8, "transformer", 0, "")
    with pytest.raises(gr.Error, match="at least one word"):
        TokenizeTab(tiny).tokenize("   ", "lstm")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_engine_writes_what_unbatched_generation_writes(generate, tiny, cell):
    """Many requests at once, in one batch: each gets the words generate_text gives it alone."""
    settings = [("明月", 30, 0.9, 0, str(seed), 1.0 if seed % 2 else 0.8) for seed in range(8)]

    async def all_at_once() -> list:
        async def one(args):
            return [update[:2] async for update in generate(0.01)(*args[:2], args[2], cell, *args[3:])]

        return await asyncio.gather(*(one(args) for args in settings))

    for (start, length, temperature, _, seed, top_p), updates in zip(settings, asyncio.run(all_at_once()), strict=True):
        ckpt = tiny[cell]
        alone = generate_text(ckpt.model, ckpt.vocab,
                              GenerationSettings(start, length, Sampling(temperature, top_p=top_p), int(seed)))
        assert updates[-1][0] == alone


def test_the_cache_switch_writes_with_the_cells_recorded_cache(generate, tiny):
    ckpt = tiny["lstm"]
    cache = for_generation(recorded_settings(ckpt.metrics))
    text, info = run_all(generate(), "明月", 30, 0.9, "lstm", 0, "5", 1.0, True)[-1]
    _, _, steps = generate_from_settings(ckpt.model, ckpt.vocab, GenerationSettings("明月", 30, Sampling(0.9), seed=5,
                                                                                    cache=cache))
    assert text == join_words(["明月", *(step.token for step in steps)]) and f"N = {cache.window}" in info
    bare = Checkpoint(ckpt.model, ckpt.vocab, ckpt.path, metrics={})
    with pytest.raises(InputError, match="no cache settings"):
        run_all(GenerateTab({"lstm": bare}, {}).generate, "明月", 5, 0.8, "lstm", 0, "", 1.0, True)


def test_a_busy_engine_says_so_and_serves_again(tiny):
    engine = DecodingEngine(tiny["gru"], max_batch=1, max_waiting=0, name="gru")
    try:
        handler = GenerateTab(tiny, {"gru": engine}, 0.01).generate

        async def two_at_once():
            first = handler("明月", limits.MAX_LENGTH, 0.8, "gru", 0, "1")
            await anext(first)  # submitted: it holds the one place
            with pytest.raises(BusyError, match="try again"):
                await anext(handler("明月", 5, 0.8, "gru", 0, "2"))
            await first.aclose()  # the student left: the place is free at the engine's next step
            for _ in range(200):
                if engine.active_count == 0:
                    break
                await asyncio.sleep(0.01)
            assert engine.active_count == 0
            return [update async for update in handler("明月", 5, 0.8, "gru", 0, "3")]

        assert asyncio.run(two_at_once())[-1][0].startswith("明月")
    finally:
        engine.stop()


# ---------------------------------------------------------------------------------------------
# The app served, driven like a student's browser would (through the queue)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_client_generates_with_every_cell(served, cell):
    client, _ = served
    text, info, download = client.predict("明月", 8, 0.8, cell, 0, "3", api_name="/generate")
    assert text.startswith("明月") and "`3`" in info and CELL_LABELS[cell] in info
    saved = json.loads(download)
    assert saved["name"] == f"lyrics-{cell}-3.txt" and text in saved["text"]


def test_client_sees_the_stream(served):
    client, _ = served
    job = client.submit("明月", 10, 0, "lstm", 0, "", api_name="/generate")
    outputs = list(job)
    assert len(outputs) >= 2 and outputs[-1] == job.result()


def test_client_gets_a_readable_error_for_bad_input(served):
    client, _ = served
    with pytest.raises(AppError, match="too long"):
        client.predict("星" * 5000, 8, 0.8, "lstm", 0, "", api_name="/generate")
    with pytest.raises(AppError, match="seed must be a whole number"):
        client.predict("星", 8, 0.8, "lstm", 0, "abc", api_name="/generate")
    with pytest.raises(AppError, match="maximum"):  # gradio 6 checks slider bounds too; the handler checks again
        client.predict("星", 10**6, 0.8, "lstm", 0, "", api_name="/generate")
