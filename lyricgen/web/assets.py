"""The page's files compressed once and kept by browsers; the page kept as rendered, and compressed.

A class opening the link at once asks the server for the page and about a hundred files each: the
JavaScript and CSS of Gradio's front end, its fonts, the theme. Gradio answers every one of those
requests through its full route (a file opened and read in a worker thread) and compresses it again
for every visitor (its Brotli middleware). It gives the files no Cache-Control, so a reload asks for all
of them again; and it leaves the page's HTML and /config, by far the largest answers, uncompressed
(its middleware only compresses paths that end in .js, .css, ...).

AssetCache is a plain ASGI middleware, installed on the app Gradio creates when the demo launches
(through launch's app_kwargs, in server.serve). It sits inside Gradio's own middlewares (CORS
included) and:

- keeps each file under /assets/ and /static/ and the theme's CSS, the first time it is asked for, in
  memory, with its Brotli and gzip forms made once (in a worker thread: the compressor lets go of the
  GIL, so the server goes on serving meanwhile), and answers later requests from there, before any
  route runs;
- gives /assets/ files (Vite names them by their content hash) and the theme CSS asked with its
  ?v=<hash> "Cache-Control: public, max-age=31536000, immutable": a browser never asks for them again.
  The rest (/static/: fonts and scripts without a hash in their name) must be revalidated; an
  If-None-Match or If-Modified-Since that matches gets a bodiless 304;
- keeps the page (/), /config and /gradio_api/info as Gradio rendered them, for the next request that
  asks with the same path, query and headers (those that say where the page is served from, see
  `page_key`), while Gradio's config is the same object: Gradio renders them from its config (a deep
  copy, the root URL written into every file URL, the API description, the template) in tens of
  milliseconds each time, and the same request always gets the same bytes. Nothing is kept for an app
  with a login, or for a request with a cookie or credentials. Each distinct page is compressed once
  (Brotli or gzip, at a fast level), and its content hash is its ETag: a reload that still has the
  page gets a 304.

It never touches anything else: the queue's event streams (/gradio_api/queue/data, the heartbeat),
uploads, downloads and every POST go straight through, unbuffered. Responses it does not recognise as
a whole, plain 200 (an error, a redirect, a range, one already encoded, one too large) go through as
Gradio sent them. Every cache belongs to the one app it is installed on, and nothing in it is per request.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import brotli
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FILE_PREFIXES = ("/assets/", "/static/")  # Gradio's front end: its build (/assets/) and fonts and scripts (/static/)
THEME = "/theme.css"
PAGES = frozenset({"/", "/config", "/config/", "/gradio_api/info", "/gradio_api/info/"})
# Vite's output names end in -<content hash>.<ext>: such a file never changes under its name.
HASHED_NAME = re.compile(r"-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"  # the browser may keep it, but asks (If-None-Match) before using it
COMPRESSIBLE_TYPES = ("text/", "application/javascript", "application/json", "application/xml",
                      "image/svg+xml", "application/manifest+json")
MIN_COMPRESS = 256  # below this the headers outweigh what compression saves
MAX_FILE = 8 * 1024 * 1024  # larger files (ffmpeg's wasm, say) are served by Gradio as before, streamed
MAX_FILES_BYTES = 96 * 1024 * 1024  # every Gradio front-end file stored twice over fits; a bound, not a target
MAX_PAGE = 16 * 1024 * 1024
PAGE_VARIANTS = 16  # distinct compressed pages remembered (hosts, deep links, languages of the server)
# Files are compressed once, so at Brotli's best; a file larger than this once-only budget gets a
# faster level, as quality 11 runs at about a megabyte a second. Pages are compressed once per distinct
# answer, which a deep link or a new host can make new, so at a level that costs milliseconds.
BR_BEST_UP_TO = 1024 * 1024
BR_FILE_QUALITY, BR_LARGE_FILE_QUALITY, BR_PAGE_QUALITY = 11, 6, 5
GZIP_FILE_LEVEL, GZIP_PAGE_LEVEL = 9, 6
PASSED_HEADERS = (b"content-type", b"last-modified")  # what a stored file keeps of Gradio's headers


def accepted_encoding(headers: Headers) -> str | None:
    """"br" or "gzip", whichever the request accepts (Brotli first), else None (send it as it is)."""
    accepted: set[str] = set()
    for part in headers.get("accept-encoding", "").lower().split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            if float(q) > 0:
                accepted.add(name)
        except ValueError:
            continue
    if "br" in accepted:
        return "br"
    if "gzip" in accepted or "*" in accepted:
        return "gzip"
    return None


def compress(body: bytes, encoding: str, quality: int) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=quality, mode=brotli.MODE_TEXT)
    return gzip.compress(body, compresslevel=quality, mtime=0)


def content_etag(body: bytes) -> bytes:
    """A weak validator from the content: the same for its plain and compressed forms (RFC 9110 8.8.1)."""
    return b'W/"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def etag_matches(if_none_match: str, etag: bytes) -> bool:
    """If-None-Match's weak comparison: any listed tag equal to ours once W/ is dropped, or "*"."""
    ours = etag.decode().removeprefix("W/")
    return any(tag.strip() == "*" or tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


def not_modified_since(if_modified_since: str, last_modified: bytes | None) -> bool:
    if last_modified is None:
        return False
    try:
        return parsedate_to_datetime(last_modified.decode()) <= parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False


def is_fresh(headers: Headers, etag: bytes, last_modified: bytes | None) -> bool:
    """Whether a conditional GET already has this content (If-None-Match decides when present)."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if_modified_since = headers.get("if-modified-since")
    return if_modified_since is not None and not_modified_since(if_modified_since, last_modified)


def compressible(content_type: bytes) -> bool:
    return content_type.decode("latin-1").lower().startswith(COMPRESSIBLE_TYPES)


@dataclass
class Stored:
    """One file as it is sent: its bytes, its compressed forms (made once each), its headers."""

    body: bytes
    headers: list[tuple[bytes, bytes]]
    etag: bytes
    cache_control: bytes
    compressible: bool
    encoded: dict[str, asyncio.Future] = field(default_factory=dict)  # encoding → bytes, or None: not smaller

    @property
    def last_modified(self) -> bytes | None:
        return next((v for k, v in self.headers if k == b"last-modified"), None)


class Captured:
    """What the inner app answered, kept whole when it is a plain 200 within `limit`; anything else is
    sent on unchanged as it comes (a stream stays a stream)."""

    def __init__(self, send: Send, limit: int) -> None:
        self.send, self.limit = send, limit
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.passing = False  # not ours to keep: everything goes straight on
        self.complete = False

    def keepable(self, message: Message) -> bool:
        if message["status"] != 200:
            return False
        headers = Headers(raw=message.get("headers", []))
        if "content-encoding" in headers or "content-range" in headers:
            return False
        length = headers.get("content-length")
        return length is not None and length.isdigit() and int(length) <= self.limit

    async def __call__(self, message: Message) -> None:
        if self.passing:
            await self.send(message)
        elif message["type"] == "http.response.start":
            self.start = message
            if not self.keepable(message):
                self.passing = True
                await self.send(message)
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        else:  # a trailer or anything newer: not a plain response, send what there is
            self.passing = True
            if self.start is not None:
                await self.send(self.start)
            for chunk in self.chunks:
                await self.send({"type": "http.response.body", "body": chunk, "more_body": True})
            await self.send(message)

    @property
    def kept(self) -> bool:
        return not self.passing and self.start is not None and self.complete

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


# Request headers that play no part in what Gradio renders for the page (the encoding is this module's
# business, the rest describe the browser or the cache). Every other header is part of a page's key,
# so a proxy's per-request header (X-Request-Id, say) just means that page is rendered anew.
IGNORED_HEADERS = frozenset({"accept-encoding", "if-none-match", "if-modified-since", "cache-control", "pragma",
                             "user-agent", "accept", "referer", "upgrade-insecure-requests", "priority",
                             "connection", "keep-alive", "dnt", "te", "purpose"})


def page_key(scope: Scope, request: Headers) -> tuple | None:
    """What Gradio's page, /config and /gradio_api/info depend on in a request: its path and query (a
    page, a deep link), its address as the server saw it and its headers (Host, X-Forwarded-*: the root
    URL written into the config). None where the answer may depend on who asks: an app with a login,
    or a request carrying a cookie or credentials; those are rendered for each request."""
    app = scope.get("app")
    if getattr(app, "auth", None) is not None or getattr(app, "auth_dependency", None) is not None:
        return None
    if "cookie" in request or "authorization" in request:
        return None
    headers = tuple(sorted((k, v) for k, v in request.items() if k not in IGNORED_HEADERS
                           and not k.startswith("sec-")))
    return (scope["path"], scope.get("query_string", b""), scope.get("scheme"), scope.get("server"),
            scope.get("root_path", ""), headers)


def current_config(scope: Scope) -> object | None:
    """The config Gradio renders pages from: a relaunch or a reload replaces the object, which retires
    every page kept from the one before. None when there is no Gradio app to ask. App.get_blocks() and
    Blocks.config are Gradio internals with no public equivalent: pinned in tests/test_gradio_internals.py."""
    try:
        return scope["app"].get_blocks().config
    except Exception:  # not Gradio's App, or no Blocks attached yet: nothing is kept
        return None


@dataclass
class Rendered:
    """One page as Gradio rendered it, ready to send again: its bytes, content ETag and headers."""

    body: bytes
    etag: bytes
    headers: list[tuple[bytes, bytes]]
    compressible: bool
    config: object | None

    @classmethod
    def of(cls, captured: Captured, config: object | None) -> Rendered:
        body = captured.body
        given = Headers(raw=captured.start["headers"])
        etag = content_etag(body)
        shrinks = compressible(given.get("content-type", "").encode("latin-1")) and len(body) >= MIN_COMPRESS
        headers = [(k.lower(), v) for k, v in captured.start["headers"]
                   if k.lower() not in (b"content-length", b"etag", b"vary")]
        headers.append((b"etag", etag))
        if "cache-control" not in given:
            headers.append((b"cache-control", REVALIDATE))
        if shrinks:
            headers.append((b"vary", b"Accept-Encoding"))
        return cls(body=body, etag=etag, headers=headers, compressible=shrinks, config=config)


class AssetCache:
    """The ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.files: dict[str, Stored] = {}
        self.files_bytes = 0
        self.rendered: OrderedDict[tuple, Rendered] = OrderedDict()  # page_key → the page Gradio rendered
        self.pages: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()  # (etag, encoding) → compressed page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(FILE_PREFIXES) or path == THEME:
            await self.file(scope, receive, send)
        elif path in PAGES:
            await self.page(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    # --- files: stored once, compressed once, cached by the browser

    @staticmethod
    def cache_control(scope: Scope) -> bytes:
        path: str = scope["path"]
        if path.startswith("/assets/") and HASHED_NAME.search(path):
            return IMMUTABLE
        if path == THEME and b"v=" in scope.get("query_string", b""):  # the page asks ?v=<theme hash>
            return IMMUTABLE
        return REVALIDATE

    async def file(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Headers(scope=scope)
        if "range" in request:  # a media player's partial request: Gradio's FileResponse answers ranges
            await self.app(scope, receive, send)
            return
        # Gradio's routes for these paths ignore the query, except the theme's ?v=, which only says
        # whether the browser may keep it for good (cache_control): the path alone names the content.
        key = scope["path"]
        stored = self.files.get(key)
        if stored is None:
            captured = Captured(send, MAX_FILE)
            await self.app(scope, receive, captured)
            if not captured.kept:
                return  # sent already, as Gradio made it
            stored = self.store(key, scope, captured)
        cache_control = stored.cache_control if key != THEME else self.cache_control(scope)
        await self.send_file(stored, cache_control, request, send)

    def store(self, key: str, scope: Scope, captured: Captured) -> Stored:
        body = captured.body
        headers = [(k.lower(), v) for k, v in captured.start["headers"] if k.lower() in PASSED_HEADERS]
        content_type = next((v for k, v in headers if k == b"content-type"), b"application/octet-stream")
        stored = Stored(body=body, headers=headers, etag=content_etag(body), cache_control=self.cache_control(scope),
                        compressible=compressible(content_type) and len(body) >= MIN_COMPRESS)
        if key not in self.files and self.files_bytes + len(body) * 2 <= MAX_FILES_BYTES:
            self.files[key] = stored
            self.files_bytes += len(body) * 2  # the body and, at most, about its size again compressed
        return self.files.get(key, stored)

    async def encoded(self, stored: Stored, encoding: str) -> bytes | None:
        """The file in this encoding, compressed once (concurrent first requests wait for the one run)."""
        future = stored.encoded.get(encoding)
        if future is None:
            if encoding == "br":
                quality = BR_FILE_QUALITY if len(stored.body) <= BR_BEST_UP_TO else BR_LARGE_FILE_QUALITY
            else:
                quality = GZIP_FILE_LEVEL
            body = stored.body

            def run() -> bytes | None:
                packed = compress(body, encoding, quality)
                return packed if len(packed) < len(body) else None

            future = asyncio.get_running_loop().run_in_executor(None, run)
            stored.encoded[encoding] = future
        return await asyncio.shield(future)  # a visitor who leaves does not cancel it for the others

    async def send_file(self, stored: Stored, cache_control: bytes, request: Headers, send: Send) -> None:
        headers = [*stored.headers, (b"etag", stored.etag), (b"cache-control", cache_control)]
        if stored.compressible:
            headers.append((b"vary", b"Accept-Encoding"))
        if is_fresh(request, stored.etag, stored.last_modified):
            await send_response(send, 304, [(k, v) for k, v in headers if k != b"content-type"], b"")
            return
        body = stored.body
        encoding = accepted_encoding(request) if stored.compressible else None
        packed = await self.encoded(stored, encoding) if encoding else None
        if packed is not None:
            body = packed
            headers.append((b"content-encoding", encoding.encode()))
        await send_response(send, 200, headers, body)

    # --- pages: rendered by Gradio, kept per request's inputs, compressed once per distinct content

    async def page(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Headers(scope=scope)
        key = page_key(scope, request)
        config = current_config(scope) if key is not None else None
        rendered = self.rendered.get(key) if config is not None else None
        if rendered is not None and rendered.config is config:
            self.rendered.move_to_end(key)
        else:
            captured = Captured(send, MAX_PAGE)
            await self.app(scope, receive, captured)
            if not captured.kept:
                return  # sent already, as Gradio made it
            rendered = Rendered.of(captured, config)
            if config is not None and not any(k.lower() == b"set-cookie" for k, _ in rendered.headers):
                self.rendered[key] = rendered
                while len(self.rendered) > PAGE_VARIANTS:
                    self.rendered.popitem(last=False)
        await self.send_page(rendered, request, send)

    async def send_page(self, rendered: Rendered, request: Headers, send: Send) -> None:
        headers = rendered.headers
        if is_fresh(request, rendered.etag, None):
            await send_response(send, 304, [(k, v) for k, v in headers if k != b"content-type"], b"")
            return
        body = rendered.body
        encoding = accepted_encoding(request) if rendered.compressible else None
        if encoding:
            packed = self.pages.get((rendered.etag, encoding))
            if packed is None:
                quality = BR_PAGE_QUALITY if encoding == "br" else GZIP_PAGE_LEVEL
                packed = await asyncio.get_running_loop().run_in_executor(None, compress, body, encoding, quality)
                self.pages[(rendered.etag, encoding)] = packed
                while len(self.pages) > PAGE_VARIANTS:
                    self.pages.popitem(last=False)
            else:
                self.pages.move_to_end((rendered.etag, encoding))
            body = packed
            headers = [*headers, (b"content-encoding", encoding.encode())]
        await send_response(send, 200, headers, body)


async def send_response(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    raw = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    if status != 304:
        raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})

