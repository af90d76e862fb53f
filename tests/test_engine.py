"""The continuous-batching engine: same words as unbatched generation,
requests joining and leaving between steps, cancel, back-pressure, one request's failure, stop."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import lyricgen.sampling as sampling_module
from lyricgen.cache import CacheSettings
from lyricgen.checkpoint import load_checkpoint
from lyricgen.engine import DecodingEngine, EngineBusy, EngineStopped, start_engines, stop_engines
from lyricgen.generate import (
    GenerationSettings,
    generate_from_settings,
    make_prompt,
)
from lyricgen.sampling import Sampling

CELLS = ("rnn", "lstm", "gru")
SHIPPED = Path(__file__).resolve().parent.parent / "weights"
WAIT_S = 30  # the longest any test waits for a word: a hang fails, it never blocks the suite

# Different prompts (one with words the vocabulary lacks, one empty), lengths, temperatures,
# top-k, top-p and seeds: 12 requests, more than the batch sizes used below.
MIXED = [
    GenerationSettings("明月", 17, Sampling(0.0)),
    GenerationSettings("春风又绿", 25, Sampling(0.8), seed=1),
    GenerationSettings("", 9, Sampling(1.3, top_k=5), seed=2),
    GenerationSettings("量子计算机 明月", 30, Sampling(0.8, top_p=0.9), seed=3),
    GenerationSettings("举头望明月", 1, Sampling(1.3), seed=4),
    GenerationSettings("白日", 21, Sampling(1.3, top_k=10, top_p=0.7), seed=5),
    GenerationSettings("明月", 13, Sampling(0.8, top_k=1), seed=6),
    GenerationSettings("孤舟", 28, Sampling(0.0, top_p=0.5)),
    GenerationSettings("春眠", 6, Sampling(1.3, top_p=0.95), seed=7),
    GenerationSettings("明月几时有", 19, Sampling(0.8), seed=8),
    GenerationSettings("千山", 24, Sampling(1.3, top_k=3), seed=9),
    GenerationSettings("夜来", 11, Sampling(0.8, top_p=0.3), seed=10),
]


@pytest.fixture(scope="module")
def tiny_ckpts(tiny_weights):
    return {cell: load_checkpoint(tiny_weights[cell], "cpu") for cell in CELLS}


def reference(ckpt, settings: GenerationSettings) -> list[int]:
    """The unbatched generate_steps' token ids for these settings."""
    _, _, steps = generate_from_settings(ckpt.model, ckpt.vocab, settings)
    return [s.token_id for s in steps]


def ids(steps) -> list[int]:
    return [s.token_id for s in steps]


def run_until_idle(engine: DecodingEngine, max_steps: int = 1000) -> None:
    for _ in range(max_steps):
        if engine.step() == 0 and engine.waiting_count == 0:
            return
    raise AssertionError("engine did not finish")


def wait_for(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


# ---------------------------------------------------------------------------------------------
# The batch's word choice in the engine (pick_tokens itself: tests/test_sampling.py)


@pytest.mark.parametrize("cell", CELLS)
def test_unseeded_requests_in_a_batch_get_the_words_of_their_reported_seed(tiny_ckpts, cell):
    ckpt = tiny_ckpts[cell]
    unseeded = [replace(s, seed=None) for s in MIXED if s.sampling.temperature > 0][:6]
    engine = DecodingEngine(ckpt, max_batch=8, start=False)
    jobs = [engine.submit(s) for s in unseeded]
    run_until_idle(engine)
    assert engine.steps_run >= max(s.length for s in unseeded) - 1  # they were drawn in batched steps
    for settings, job in zip(unseeded, jobs, strict=True):
        assert ids(job.result(0)) == reference(ckpt, replace(settings, seed=job.seed))


# ---------------------------------------------------------------------------------------------
# The engine gives the words of unbatched generation


@pytest.mark.parametrize("cell", CELLS)
def test_requests_joining_at_different_steps_get_the_unbatched_words(tiny_ckpts, cell):
    ckpt = tiny_ckpts[cell]
    engine = DecodingEngine(ckpt, max_batch=8, max_waiting=16, start=False)
    jobs, most_active = [], 0
    for group in (MIXED[:5], MIXED[5:9], MIXED[9:]):  # the second and third join a running batch
        jobs += [engine.submit(s) for s in group]
        for _ in range(3):
            most_active = max(most_active, engine.step())
    run_until_idle(engine)
    assert most_active == 8  # the batch filled up to max_batch, and not beyond
    for settings, job in zip(MIXED, jobs, strict=True):
        steps = job.result(timeout=0)
        assert ids(steps) == reference(ckpt, settings), settings
        assert job.seed == settings.seed or settings.seed is None
        assert all(s.logits is None for s in steps)
        assert ckpt.vocab.unk_id not in ids(steps)
    assert engine._decoder.batch.hidden is None and not engine._decoder.batch.requests  # nothing kept once ended


def test_a_seeded_request_gets_the_same_words_alone_and_in_a_full_batch(tiny_ckpts):
    ckpt = tiny_ckpts["lstm"]
    settings = GenerationSettings("明月", 40, Sampling(1.3, top_p=0.9))  # no seed: the engine draws one and reports it
    with DecodingEngine(ckpt, max_batch=16) as engine:
        alone = engine.submit(settings)
        alone_ids = ids(alone.result(WAIT_S))
        again = GenerationSettings("明月", 40, Sampling(1.3, top_p=0.9), seed=alone.seed)
        others = [engine.submit(GenerationSettings("春风", 40, Sampling(1.0), seed=s)) for s in range(15)]
        crowded = engine.submit(again)
        assert ids(crowded.result(WAIT_S)) == alone_ids == reference(ckpt, again)
        for job in others:
            job.result(WAIT_S)


def test_shipped_weights_batched_equal_unbatched():
    """The real models (vocabulary of thousands, 480 units), each in a running engine at once."""
    ckpts = {cell: load_checkpoint(SHIPPED / cell, "cpu") for cell in CELLS}
    requests = [GenerationSettings(s.start_text, min(s.length, 20), s.sampling, s.seed)
                for s in MIXED[:8]]
    engines = start_engines(ckpts, max_batch=8, max_waiting=8)
    try:
        for cell, engine in engines.items():
            first = [engine.submit(s) for s in requests[:4]]
            wait_for(lambda e=engine: e.steps_run >= 3)  # the rest join a batch already running
            jobs = first + [engine.submit(s) for s in requests[4:]]
            for settings, job in zip(requests, jobs, strict=True):
                assert ids(job.result(WAIT_S)) == reference(ckpts[cell], settings), (cell, settings)
    finally:
        stop_engines(engines)
    assert not any(engine.running for engine in engines.values())


def test_kept_logits_are_those_of_unbatched_generation(tiny_ckpts):
    ckpt = tiny_ckpts["gru"]
    settings = GenerationSettings("白日", 12, Sampling(0.8), seed=11)
    engine = DecodingEngine(ckpt, max_batch=4, start=False)
    job = engine.submit(settings, keep_logits=True)
    for s in MIXED[:3]:
        engine.submit(s)
    run_until_idle(engine)
    _, _, expected = generate_from_settings(ckpt.model, ckpt.vocab, settings)
    for got, want in zip(job.result(0), expected, strict=True):
        assert got.token_id == want.token_id and got.prob == pytest.approx(want.prob, rel=1e-5)
        assert got.logits.shape == (len(ckpt.vocab),)
        torch.testing.assert_close(got.logits, want.logits, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Leaving: cancel, a consumer that stops, a dropped job, length 0


def test_cancel_leaves_the_batch_at_the_next_step_and_the_others_finish(tiny_ckpts):
    ckpt = tiny_ckpts["lstm"]
    engine = DecodingEngine(ckpt, max_batch=4, start=False)
    settings = [GenerationSettings("明月", 30, Sampling(0.8), seed=s) for s in range(3)]
    jobs = [engine.submit(s) for s in settings]
    engine.step()
    engine.step()
    assert engine.active_count == 3
    jobs[1].cancel()
    assert engine.step() == 2
    made = jobs[1].result(0)
    assert len(made) == 3 and ids(made) == reference(ckpt, settings[1])[:3]  # what came before the cancel
    assert list(jobs[1]) == []
    run_until_idle(engine)
    for i in (0, 2):
        assert ids(jobs[i].result(0)) == reference(ckpt, settings[i])


def test_a_consumer_that_stops_reading_or_drops_the_job_leaves_the_batch(tiny_ckpts):
    ckpt = tiny_ckpts["rnn"]
    long = GenerationSettings("明月", 10_000, Sampling(0.8), seed=1)
    with DecodingEngine(ckpt, max_batch=4) as engine:
        job = engine.submit(long)
        for n, _ in enumerate(job, 1):  # breaking off closes the stream: the request is cancelled
            if n == 3:
                break
        assert job.cancelled
        wait_for(lambda: engine.active_count == 0)
        stream = engine.submit(long).stream(timeout=WAIT_S)
        next(stream)
        stream.close()
        wait_for(lambda: engine.active_count == 0)
        dropped = engine.submit(long)
        ref = weakref.ref(dropped)
        wait_for(lambda: engine.active_count == 1)
        del dropped
        gc.collect()
        assert ref() is None  # the engine holds no reference to a job ...
        wait_for(lambda: engine.active_count == 0)  # ... and its request leaves once the job is gone
        assert engine.submit(GenerationSettings("明月", 0, Sampling(0.8))).result(WAIT_S) == []
        assert engine.running


# ---------------------------------------------------------------------------------------------
# Back-pressure, failures, timeouts, stop


def test_engine_busy_past_max_waiting_never_blocks(tiny_ckpts):
    engine = DecodingEngine(tiny_ckpts["gru"], max_batch=2, max_waiting=3, start=False)
    jobs = [engine.submit(GenerationSettings("明月", 5, Sampling(0.8), seed=s)) for s in range(5)]  # 2 places, 3 wait
    with pytest.raises(EngineBusy):  # the engine is not running: a submit that waited for a place would never return
        engine.submit(GenerationSettings("明月", 5, Sampling(0.8)))
    engine.step()  # two join the batch, three still wait: still full
    with pytest.raises(EngineBusy):
        engine.submit(GenerationSettings("明月", 5, Sampling(0.8)))
    run_until_idle(engine)
    assert all(len(job.result(0)) == 5 for job in jobs)
    engine.submit(GenerationSettings("明月", 5, Sampling(0.8)))  # room again


def test_an_exception_serving_one_request_ends_it_alone(tiny_ckpts, monkeypatch):
    """A fault in the batch's word choice falls back to one choice per request, where only the victim fails."""
    ckpt = tiny_ckpts["lstm"]
    real_picks = sampling_module.pick_tokens
    calls = {"victim": 1, "batched": 0}  # the victim's first word is drawn alone, as it joins

    def faulty_picks(logits, samplings, banned, uniforms):
        if Sampling(0.77) in samplings:  # the victim's settings: its 6th word fails, in the batch and then alone
            if calls["victim"] == 5:
                calls["batched"] += len(samplings) > 1
                raise ValueError("injected fault")
            calls["victim"] += 1
        return real_picks(logits, samplings, banned, uniforms)

    monkeypatch.setattr(sampling_module, "pick_tokens", faulty_picks)
    others = MIXED[:6]
    with DecodingEngine(ckpt, max_batch=8) as engine:
        jobs = [engine.submit(s) for s in others]
        victim = engine.submit(GenerationSettings("明月", 30, Sampling(0.77), seed=1))
        bad = engine.submit(GenerationSettings("明月", 30, Sampling("hot"), seed=1))  # a bad settings value
        made = []
        with pytest.raises(ValueError, match="injected fault"):
            for step in victim.stream(timeout=WAIT_S):
                made.append(step)
        assert len(made) == 5 and calls == {"victim": 5, "batched": 1}
        with pytest.raises(TypeError):
            bad.result(WAIT_S)
        for settings, job in zip(others, jobs, strict=True):  # the fallback drew their words as the batch would
            assert ids(job.result(WAIT_S)) == reference(ckpt, settings)
        assert engine.running
        assert ids(engine.submit(MIXED[1]).result(WAIT_S)) == reference(ckpt, MIXED[1])


def test_a_failing_model_step_ends_that_batch_and_the_loop_goes_on(tiny_ckpts):
    ckpt = tiny_ckpts["gru"]
    engine = DecodingEngine(ckpt, max_batch=4, start=False)
    real_step = engine._decoder.model_step

    def broken(*args):
        engine._decoder.model_step = real_step  # fails once
        raise RuntimeError("injected model fault")

    engine._decoder.model_step = broken
    jobs = [engine.submit(GenerationSettings("明月", 10, Sampling(0.8), seed=s)) for s in range(2)]
    assert engine.step() == 0
    for job in jobs:
        with pytest.raises(RuntimeError, match="injected model fault"):
            job.result(0)
    job = engine.submit(MIXED[1])
    run_until_idle(engine)
    assert ids(job.result(0)) == reference(ckpt, MIXED[1])


def test_next_step_times_out_instead_of_hanging(tiny_ckpts):
    engine = DecodingEngine(tiny_ckpts["rnn"], start=False)  # nobody runs the loop
    job = engine.submit(GenerationSettings("明月", 5, Sampling(0.8)))
    with pytest.raises(TimeoutError):
        job.next_step(timeout=0.01)
    with pytest.raises(TimeoutError):
        job.result(timeout=0.01)


def test_stop_ends_the_thread_and_every_unfinished_request(tiny_ckpts):
    engine = DecodingEngine(tiny_ckpts["lstm"], max_batch=1, max_waiting=4)
    assert engine.running
    running = engine.submit(GenerationSettings("明月", 10_000_000, Sampling(0.8)))
    waiting = engine.submit(GenerationSettings("明月", 10, Sampling(0.8)))
    running.next_step(timeout=WAIT_S)
    engine.stop()
    assert not engine.running and not engine._thread.is_alive()
    for job in (running, waiting):
        with pytest.raises(EngineStopped):
            job.result(WAIT_S)
    with pytest.raises(EngineStopped):
        engine.submit(GenerationSettings("明月", 10, Sampling(0.8)))


# ---------------------------------------------------------------------------------------------
# The continuous cache in generation

CACHED = CacheSettings(lam=0.4, theta=0.5, window=50)


@pytest.mark.parametrize("cell", CELLS)
def test_requests_with_the_cache_get_the_unbatched_words(tiny_ckpts, cell):
    ckpt = tiny_ckpts[cell]
    settings = [replace(s, cache=CACHED) for s in MIXED[:6]] + MIXED[6:9]  # with and without, in one batch
    engine = DecodingEngine(ckpt, max_batch=8, max_waiting=16, start=False)
    jobs = [engine.submit(s) for s in settings]
    run_until_idle(engine)
    for s, job in zip(settings, jobs, strict=True):
        assert ids(job.result(timeout=0)) == reference(ckpt, s), s


def test_a_cache_of_weight_one_only_repeats_what_it_has_seen(tiny_ckpts):
    """λ = 1: every word is drawn from the cache alone, so each was seen after an earlier position."""
    ckpt = tiny_ckpts["gru"]
    start = "床前明月光 疑是地上霜"
    seen = set(make_prompt(ckpt.vocab, start).ids[1:])
    _, _, steps = generate_from_settings(ckpt.model, ckpt.vocab, GenerationSettings(
        start, 40, Sampling(1.0), seed=3, cache=CacheSettings(lam=1.0, theta=1.0, window=100)))
    for step in steps:
        assert step.token_id in seen
        seen.add(step.token_id)
    plain = ids(generate_from_settings(ckpt.model, ckpt.vocab, GenerationSettings(start, 40, Sampling(1.0), seed=3))[2])
    assert not set(plain) <= set(make_prompt(ckpt.vocab, start).ids)  # without it, new words come


class CountingGate:
    """A gate of one, as the students' models share (StudentModels.gate), that counts who holds it."""

    def __init__(self):
        self.semaphore, self.lock = threading.BoundedSemaphore(1), threading.Lock()
        self.inside = self.most = self.entered = 0

    def __enter__(self):
        self.semaphore.acquire()
        with self.lock:
            self.inside += 1
            self.most, self.entered = max(self.most, self.inside), self.entered + 1

    def __exit__(self, *exc_info):
        with self.lock:
            self.inside -= 1
        self.semaphore.release()


def test_engines_sharing_a_gate_step_one_at_a_time_and_write_the_same(tiny_ckpts):
    gate = CountingGate()
    engines = [DecodingEngine(tiny_ckpts[cell], max_batch=2, name=f"gated-{cell}", threads=1, gate=gate)
               for cell in ("lstm", "gru")]
    try:
        settings = [GenerationSettings("明月", 25, Sampling(0.8), seed=s) for s in range(3)]
        jobs = [(engine, s, engine.submit(s)) for engine in engines for s in settings]
        for engine, s, job in jobs:
            assert ids(job.result(WAIT_S)) == reference(tiny_ckpts[engine.name.removeprefix("gated-")], s)
        # every step of both loops went through the gate, and never two at once
        wait_for(lambda: gate.entered >= sum(e.steps_run for e in engines))
        assert gate.entered == sum(e.steps_run for e in engines) and gate.most == 1
    finally:
        for engine in engines:
            engine.stop()
