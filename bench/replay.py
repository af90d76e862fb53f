"""A replayed visitor for bench/page_open.py: the GETs a browser made to open the page, sent again by a small
raw HTTP/1.1 client (or httpx, to compare), a returning visitor sending the validators it was given."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import Counter
from urllib.parse import urlsplit

import httpx

ACCEPT_ENCODING = "gzip, deflate, br, zstd"  # what Chromium sends
CONNECTIONS = 6  # Chromium's connections to one host (HTTP/1.1)
TIMEOUT_S = 60.0

# One TLS context for all clients: httpx would build one per client, which costs this process CPU
# that is no part of a visit (the server is plain HTTP anyway).
SSL_CONTEXT = ssl.create_default_context()


class Visit:
    """One visitor's figures, and what it was given, {path: {header: value}} (lower-case names)."""

    def __init__(self) -> None:
        self.requests = self.wire_bytes = 0
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.given: dict[str, dict[str, str]] = {}
        self.seconds = 0.0

    def answered(self, path: str, status: int, headers: dict[str, str], wire_bytes: int) -> None:
        self.requests += 1
        self.wire_bytes += wire_bytes
        self.statuses[status] += 1
        self.given[path] = headers
        if status >= 400:
            self.errors.append(f"{status} {path[:80]}")


def conditional(headers: dict, given: dict[str, str] | None) -> dict | None:
    """A returning visitor's request: None when the browser keeps it for good, else with its validators."""
    if given is None:
        return headers
    if "immutable" in given.get("cache-control", ""):
        return None
    out = dict(headers)
    if "etag" in given:
        out["If-None-Match"] = given["etag"]
    if "last-modified" in given:
        out["If-Modified-Since"] = given["last-modified"]
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection, as little client as a GET needs: httpx spends more CPU per
    request than the server does answering one from memory, and this process shares the cores with it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict) -> tuple[int, dict[str, str], int]:
        """(status, headers, bytes read for it); the body is read as it came, never decoded."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        given: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                given[name.strip().lower()] = value.strip()
        size = len(head)
        if status in (204, 304) or status < 200:
            pass
        elif "content-length" in given:
            size += len(await self.reader.readexactly(int(given["content-length"])))
        elif given.get("transfer-encoding", "").lower() == "chunked":
            while True:
                line = await self.reader.readuntil(b"\r\n")
                chunk = int(line.split(b";")[0], 16)
                size += len(line) + len(await self.reader.readexactly(chunk + 2))
                if chunk == 0:
                    break
        else:  # delimited by the connection's end
            size += len(await self.reader.read())
            given["connection"] = "close"
        if given.get("connection", "").lower() == "close":
            await self.close()
        return status, given, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def visit_raw(base: str, replay: list[tuple[str, dict]], held: dict | None) -> Visit:
    """One visitor: the page on one connection, then the rest over up to CONNECTIONS, opened as needed."""
    result = Visit()
    parts = urlsplit(base)
    connections = [Connection(parts.hostname, parts.port) for _ in range(CONNECTIONS)]
    queue = list(reversed(replay[1:]))

    async def get(connection: Connection, path: str, headers: dict) -> None:
        if held is not None:
            headers = conditional(headers, held.get(path))
            if headers is None:
                return
        try:
            status, given, size = await connection.get(path, {**headers, "Accept-Encoding": ACCEPT_ENCODING})
            result.answered(path, status, given, size)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            result.errors.append(f"{type(e).__name__} {path[:80]}")
            await connection.close()

    async def worker(connection: Connection) -> None:
        while queue:
            await get(connection, *queue.pop())

    began = time.perf_counter()
    try:
        await asyncio.wait_for(get(connections[0], *replay[0]), TIMEOUT_S)
        await asyncio.wait_for(asyncio.gather(*(worker(c) for c in connections)), TIMEOUT_S)
    finally:
        result.seconds = time.perf_counter() - began
        for connection in connections:
            await connection.close()
    return result


async def visit_httpx(base: str, replay: list[tuple[str, dict]], held: dict | None) -> Visit:
    """The same visitor with an httpx AsyncClient of its own (up to CONNECTIONS connections)."""
    result = Visit()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, limits=limits, verify=SSL_CONTEXT, timeout=TIMEOUT_S) as client:

        async def get(path: str, headers: dict) -> None:
            if held is not None:
                headers = conditional(headers, held.get(path))
                if headers is None:
                    return
            try:
                size = 0
                async with client.stream("GET", path, headers={**headers, "Accept-Encoding": ACCEPT_ENCODING}) as r:
                    async for chunk in r.aiter_raw():
                        size += len(chunk)
                result.answered(path, r.status_code, {k.lower(): v for k, v in r.headers.items()}, size)
            except httpx.HTTPError as e:
                result.errors.append(f"{type(e).__name__} {path[:80]}")

        began = time.perf_counter()
        (first, first_headers), rest = replay[0], replay[1:]
        await get(first, first_headers)
        await asyncio.gather(*(get(path, headers) for path, headers in rest))
        result.seconds = time.perf_counter() - began
    return result


CLIENTS = {"raw": visit_raw, "httpx": visit_httpx}
