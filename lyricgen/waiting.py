"""The decoding engine's waiting line (lyricgen/engine.py): requests submitted and not yet in the batch.

Callers' threads put requests in; the engine's loop takes the oldest into the batch's free rows, and
sleeps here while there is nothing to do. The line is bounded, and never blocks a caller: past its
room it refuses (EngineBusy), so a page can say "try again" instead of hanging.
"""

from __future__ import annotations

import threading
from collections import deque

from .jobs import EngineBusy, EngineStopped, Request


class WaitingLine:
    """Requests waiting for a place in the batch, oldest first: shared by the callers' threads and the loop."""

    def __init__(self, name: str):
        self.name = name  # the engine's, for messages
        self._requests: deque[Request] = deque()  # oldest first; guarded by _wakeup
        self._wakeup = threading.Condition()  # notified when a request comes or the engine stops
        self._stopped = False

    def __len__(self) -> int:
        return len(self._requests)

    def put(self, request: Request, room: int) -> None:
        """Queue a request; raises EngineBusy when `room` requests already wait, EngineStopped after stop()."""
        with self._wakeup:
            if self._stopped:
                raise EngineStopped(f"engine {self.name} is stopped")
            # A request whose page closed while it waited holds no place: forget it before counting.
            self._requests = deque(r for r in self._requests if not r.abandoned())
            if len(self._requests) >= room:
                raise EngineBusy(f"engine {self.name}: {len(self._requests)} requests already waiting")
            self._requests.append(request)
            self._wakeup.notify()

    def take(self, free: int) -> list[Request]:
        """Up to `free` requests, oldest first, without waiting."""
        with self._wakeup:
            return self._pop(free)

    def wait_and_take(self, active: int, free: int) -> list[Request] | None:
        """take(free), once there is work (a request waiting, or `active` ones in the batch); None once stopped."""
        with self._wakeup:
            while not (self._stopped or self._requests or active):
                self._wakeup.wait()
            return None if self._stopped else self._pop(free)

    def stop(self) -> None:
        """Refuse requests from now on, and wake the loop so that it sees it."""
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify_all()

    def drain(self) -> list[Request]:
        """Every request still waiting, taken out of the line."""
        with self._wakeup:
            requests, self._requests = list(self._requests), deque()
        return requests

    def _pop(self, free: int) -> list[Request]:
        return [self._requests.popleft() for _ in range(min(free, len(self._requests)))]
