"""The gate the students' own work steps through (lyricgen/gate.py): one at a time and a share of the time while
the shipped models have work, straight through when they have none. A test clock: nothing here waits on real time."""

from __future__ import annotations

import pytest

from lyricgen.engine import DecodingEngine, any_busy
from lyricgen.gate import ShareGate
from lyricgen.generate import GenerationSettings
from lyricgen.sampling import Sampling
from lyricgen.web.mine import StudentModels


class Clock:
    """A clock that moves only when told: sleep(d) moves it by d and counts the sleeps."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def gate(share: float, busy, clock: Clock) -> ShareGate:
    return ShareGate(share, busy, clock=clock, sleep=clock.sleep, poll_s=0.5)


def step(g: ShareGate, clock: Clock, took: float) -> float:
    """One step through the gate that computes for `took` seconds; returns when it started."""
    with g:
        started = clock.now
        clock.now += took
    return started


@pytest.mark.parametrize("share", [0.25, 0.5])
def test_while_busy_the_steps_take_their_share_of_the_time(share):
    clock = Clock()
    g = gate(share, lambda: True, clock)
    starts = [step(g, clock, took) for took in (1.0, 2.0, 0.5, 1.0)]
    # each step starts once the one before, of d seconds, has been followed by d × (1 − share) / share
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert gaps == pytest.approx([d / share for d in (1.0, 2.0, 0.5)])
    assert g.waited_s == pytest.approx(sum(d * (1 - share) / share for d in (1.0, 2.0, 0.5)))
    assert max(clock.sleeps) <= 0.5  # in short sleeps, to notice the shipped models falling idle


def test_when_nothing_else_runs_the_steps_never_wait():
    clock = Clock()
    g = gate(0.25, lambda: False, clock)
    starts = [step(g, clock, 1.0) for _ in range(3)]
    assert starts == [0.0, 1.0, 2.0] and clock.sleeps == [] and g.waited_s == 0


def test_a_wait_ends_as_soon_as_the_shipped_models_fall_idle():
    clock = Clock()
    answers = iter([True, True, True, True, False])  # busy at the first four looks, idle from the fifth
    g = gate(0.25, lambda: next(answers, False), clock)
    step(g, clock, 1.0)  # one look as it enters; nothing to wait for yet
    assert step(g, clock, 1.0) == pytest.approx(2.0)  # two sleeps of 0.5, not the 3 s a busy server would take
    assert clock.sleeps == [0.5, 0.5]


def test_steps_go_one_at_a_time_only_while_the_shipped_models_are_busy():
    busy = [False]
    g = gate(1.0, lambda: busy[0], Clock())
    with g:  # idle: a step takes no turn, so another goes through beside it
        assert g._turn.acquire(blocking=False)
        g._turn.release()
        with g:
            pass
    busy[0] = True
    with g:  # busy: this step holds the turn, and any other waits for it
        assert not g._turn.acquire(blocking=False)
    assert g._turn.acquire(blocking=False)  # and gives it back
    g._turn.release()


def test_a_share_of_one_never_waits_and_a_share_out_of_range_is_refused():
    clock = Clock()
    g = gate(1.0, lambda: True, clock)
    assert [step(g, clock, 1.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    for share in (0.0, -0.5, 1.5):
        with pytest.raises(ValueError):
            ShareGate(share, lambda: True)


def test_the_students_gate_yields_to_the_shipped_engines_while_they_have_requests(tiny):
    shipped = DecodingEngine(tiny["lstm"], max_batch=2, name="shipped-lstm", start=False)  # driven by step()
    store = StudentModels(yield_to=[shipped])
    assert not store.gate.busy() and not any_busy([shipped])
    job = shipped.submit(GenerationSettings("明月", 3, Sampling(0.8), seed=1))
    assert store.gate.busy()  # waiting counts
    shipped.step()
    assert shipped.active_count == 1 and store.gate.busy()  # running counts
    while shipped.step():
        pass
    assert len(list(job)) == 3 and not store.gate.busy()  # done: the students' steps go without waiting
    assert not StudentModels().gate.busy()  # a store that yields to nothing never waits
