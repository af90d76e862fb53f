"""What the server keeps for each browser session (each open page, each API client), bounded.

Gradio keeps a SessionState per session. As it comes, one is costly twice over: making it renders the
config of every block of the page (hundreds here), and it then keeps the latest value of every input
and output the session ever sent or received (for deep links, which this page does not offer). Kept
for up to 10,000 sessions by default, a class's server grew with every new visitor and never levelled off.

Here a session keeps what serving it needs:
- the page's blocks, shared with every other session until this one's answers change a component
  (a language switch, a slider's new end): then it gets its own copy of the block table, as Gradio's does;
- its gr.State values (the next-word panel's seed), with their time to live.

SessionStore holds at most limits.MAX_LIVE_SESSIONS of them, and forgets a session idle for
limits.SESSION_IDLE_S. A forgotten page still works: its next event starts a fresh session from the
page's defaults (what it loses is a gr.State value, such as the seed the next-word panel reuses).

Gradio internals, kept on purpose: Gradio has no public way to bound what a session keeps but
state_session_capacity, which leaves each session's cost as it is. SessionState and StateHolder
(gradio.state_holder), Blocks.default_config and the launched app's state_holder are pinned by name in
tests/test_gradio_internals.py, and this module's behaviour by tests/test_serving.py.
"""

from __future__ import annotations

import datetime
import os
import time
from copy import copy
from typing import Any

import gradio as gr
from gradio.components import State
from gradio.state_holder import SessionState, StateHolder

from . import limits


class LeanSession(SessionState):
    """A SessionState that keeps no copy of the page's config and no record of the values it sent."""

    def __init__(self, blocks: gr.Blocks):  # not SessionState's: it renders every block's config
        self.blocks_config = blocks.default_config  # shared until this session changes a component
        self._own_blocks = False
        self.config_values: dict[int, dict] = {}
        self.state_data: dict[int, Any] = {}
        self._state_ttl: dict[int, tuple[float, datetime.datetime]] = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST") else 3600  # as SessionState's

    def __setitem__(self, key: int, value: Any) -> None:
        block = self.blocks_config.blocks.get(key)
        if isinstance(block, State):
            self._state_ttl[key] = (block.time_to_live, datetime.datetime.now())
            self.state_data[key] = value
            return
        if not self._own_blocks:  # copy on write: the shared table stays the page's own
            self.blocks_config = copy(self.blocks_config)
            self._own_blocks = True
        self.blocks_config.blocks[key] = value

    def _update_config(self, key: int) -> None:
        """Deep links only: not kept."""

    def _update_value_in_config(self, key: int, value: Any) -> None:
        """Deep links only: not kept."""

    @property
    def components(self):
        """The session's components as Gradio's deep-link route reads them, made when asked."""
        for key, block in self.blocks_config.blocks.items():
            yield self.blocks_config.config_for_block(key, [], block)


class SessionStore(StateHolder):
    """Gradio's StateHolder with lean sessions, a capacity, and idle sessions forgotten."""

    def __init__(self, capacity: int = limits.MAX_LIVE_SESSIONS, idle_s: float = limits.SESSION_IDLE_S):
        super().__init__()
        self.max_sessions = capacity
        self.idle_s = idle_s
        self.last_used: dict[str, float] = {}  # session → time.monotonic() of its last event

    def set_blocks(self, blocks: gr.Blocks) -> None:
        super().set_blocks(blocks)
        self.capacity = self.max_sessions

    def __getitem__(self, session_id: str) -> SessionState:
        now = time.monotonic()
        with self.lock:
            session = self.session_data.get(session_id)
            if session is None:
                self._forget(now)
                session = self.session_data[session_id] = LeanSession(self.blocks)
            self.session_data.move_to_end(session_id)
            self.last_used[session_id] = now
        return session

    def update(self, session_id: str) -> None:
        with self.lock:
            if session_id in self.session_data:
                self.session_data.move_to_end(session_id)
                self.last_used[session_id] = time.monotonic()

    def _forget(self, now: float) -> None:
        """Under the lock: the least recently used sessions go while there are too many or they are idle."""
        while self.session_data:
            oldest = next(iter(self.session_data))
            if len(self.session_data) < self.capacity and now - self.last_used.get(oldest, now) < self.idle_s:
                return
            del self.session_data[oldest]
            self.last_used.pop(oldest, None)
            self.time_last_used.pop(oldest, None)


def install(blocks: gr.Blocks) -> bool:
    """Serve blocks' sessions from a SessionStore (call once it is launched, before a class arrives).

    Returns False, leaving Gradio's own, for a page that renders blocks per session (gr.render): those
    change a session's block table in place, which a shared table must not see.
    """
    app = getattr(blocks, "server_app", None)
    if app is None or blocks.default_config.renderables:
        return False
    store = SessionStore()
    store.set_blocks(blocks)
    app.state_holder = store
    return True
