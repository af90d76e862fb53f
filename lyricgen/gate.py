"""The gate the students' own work goes through (their models' steps, the Lab's training steps): while the shipped
models have requests, one step at a time and only a share of the time; while they have none, straight through.

Why: every engine's loop and every training is a Python thread, and a student's step is mostly Python
(admitting, sampling, handing each word to its caller, an optimizer's bookkeeping) around small matrix
products: it holds the interpreter's lock about as long as a shipped step does. Thirty students generating with
their own models, or two trainings, then take a whole thread's worth of turns from the shipped models' loops
and from the server's own event loop, and a thread's low priority (nice) does not help, because the
interpreter's lock hands turns over on a timer, not by priority. So while any shipped engine has a request,
the gate lets one step through at a time, and after a step that took d seconds the next one waits until
d × (1 − share) / share has passed: the students' work takes at most `share` of the time.

    shipped busy  ──────██████████████████──────────
    steps         ▌▌▌▌▌▌▌···▌···▌···▌···▌▌▌▌▌▌▌▌▌▌▌▌   (▌ a student's step; · the wait, share = ¼)

The wait is taken holding the gate, so that the steps never run side by side while the class is served. When
the shipped models fall idle the wait ends at once, and steps go through together again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ShareGate:
    """A context manager held around each step of the students' work (DecodingEngine's gate, train_live's).

    share: the most of the time the steps through it take while busy() is true (0 < share ≤ 1: 1 never waits);
    busy: whether the work this gate gives way to has requests now; clock and sleep: time.monotonic and
    time.sleep (a test passes its own, so that nothing waits on a real clock).
    """

    def __init__(self, share: float, busy: Callable[[], bool],
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 poll_s: float = 0.02):
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.share, self.busy, self.clock, self.sleep, self.poll_s = share, busy, clock, sleep, poll_s
        self._turn = threading.Lock()  # held by the one step going through while busy
        self._held = threading.local()  # whether this thread's step holds _turn
        self._next = 0.0  # while busy, no step starts before this (the clock's time); written under _turn
        self.waited_s = 0.0  # time steps spent waiting, all together (for tests and benchmarks)

    def __enter__(self) -> ShareGate:
        if not self.busy():
            self._held.started = None
            return self
        self._turn.acquire()
        # In short sleeps: the moment the shipped engines fall idle, the student's step goes.
        while (left := self._next - self.clock()) > 0 and self.busy():
            pause = min(left, self.poll_s)
            self.sleep(pause)
            self.waited_s += pause
        self._held.started = self.clock()
        return self

    def __exit__(self, *exc_info) -> None:
        started = self._held.started
        if started is None:  # went through while nothing else ran: nothing to pay back
            return
        now = self.clock()
        self._next = now + (now - started) * (1 - self.share) / self.share
        self._turn.release()
