"""The page's files and the page itself as a browser gets them (lyricgen/web/assets.py): Gradio's front-end
files kept for good by the browser, revalidated where they have no hash, everything compressed, the same
bytes once decompressed; and the queue's streams untouched. Against the app launched in-process (fixture
`served` in conftest.py), and, for what the middleware keeps, against a stand-in app that counts its calls."""

from __future__ import annotations

import asyncio
import gzip
import json
import re

import brotli
import httpx
import pytest
from starlette.datastructures import Headers

from lyricgen.web import assets

BR = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # as Chromium asks
PLAIN = {"Accept-Encoding": "identity"}


def fetch(url: str, path: str, headers: dict) -> tuple[httpx.Response, bytes]:
    """(response, the bytes exactly as sent): httpx would otherwise decode them on its own."""
    with httpx.Client(timeout=30) as client, client.stream("GET", url.rstrip("/") + path, headers=headers) as r:
        return r, b"".join(r.iter_raw())


def decompress(response: httpx.Response, body: bytes) -> bytes:
    encoding = response.headers.get("content-encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert encoding is None, encoding
    return body


@pytest.fixture(scope="module")
def page_html(served) -> str:
    _, url = served
    response, body = fetch(url, "/", PLAIN)
    assert response.status_code == 200
    return body.decode()


def linked(html: str, pattern: str) -> str:
    """The first path in the page that matches pattern: a file the browser will ask for."""
    found = re.search(rf"/?({pattern})", html)
    assert found, f"no {pattern} in the page"
    return "/" + found.group(1)


def test_a_hashed_asset_is_kept_for_good_and_compressed_once(served, page_html):
    _, url = served
    path = linked(page_html, r"assets/index-[A-Za-z0-9_-]{8,}\.js")
    plain, plain_body = fetch(url, path, PLAIN)
    first, first_body = fetch(url, path, BR)
    again, again_body = fetch(url, path, BR)
    assert plain.status_code == first.status_code == again.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["etag"] and first.headers["etag"] == plain.headers["etag"] == again.headers["etag"]
    assert first.headers["content-encoding"] == "br" and "Accept-Encoding" in first.headers["vary"]
    assert "content-encoding" not in plain.headers
    assert decompress(first, first_body) == plain_body and len(first_body) < len(plain_body)
    assert first_body == again_body  # the stored bytes, not compressed again
    gz, gz_body = fetch(url, path, {"Accept-Encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip" and decompress(gz, gz_body) == plain_body


def test_a_browser_that_has_the_asset_gets_304(served, page_html):
    _, url = served
    path = linked(page_html, r"assets/index-[A-Za-z0-9_-]{8,}\.css")
    first, _ = fetch(url, path, BR)
    again, body = fetch(url, path, {**BR, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and body == b""
    assert again.headers["etag"] == first.headers["etag"] and "immutable" in again.headers["cache-control"]
    stale, body = fetch(url, path, {**BR, "If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200 and body


def test_files_without_a_hash_are_revalidated(served, page_html):
    _, url = served
    path = linked(page_html, r"static/js/[A-Za-z0-9_.-]+\.js")
    first, first_body = fetch(url, path, BR)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-cache" and first.headers["etag"]
    by_tag, body = fetch(url, path, {**BR, "If-None-Match": first.headers["etag"]})
    assert by_tag.status_code == 304 and body == b""
    by_date, body = fetch(url, path, {**BR, "If-Modified-Since": first.headers["last-modified"]})
    assert by_date.status_code == 304 and body == b""
    plain, plain_body = fetch(url, path, PLAIN)
    assert decompress(first, first_body) == plain_body


def test_the_theme_asked_by_its_hash_is_kept_for_good(served):
    _, url = served
    theme_hash = json.loads(fetch(url, "/config", PLAIN)[1])["theme_hash"]
    response, body = fetch(url, f"/theme.css?v={theme_hash}", BR)
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
    assert b"--" in decompress(response, body)  # CSS custom properties


def test_a_missing_file_is_gradios_404_and_not_kept(served):
    _, url = served
    response, _ = fetch(url, "/assets/no-such-file-ABCDEFGH.js", BR)
    assert response.status_code == 404 and "cache-control" not in response.headers


@pytest.mark.parametrize("path", ["/", "/config"])
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_the_page_and_config_are_compressed_to_the_same_bytes(served, path, encoding):
    _, url = served
    plain, plain_body = fetch(url, path, PLAIN)
    packed, packed_body = fetch(url, path, {"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers and packed.headers["content-encoding"] == encoding
    assert decompress(packed, packed_body) == plain_body
    assert len(packed_body) * 4 < len(plain_body)  # text: the HTML and its JSON shrink several times over
    assert packed.headers["etag"] == plain.headers["etag"] and packed.headers["cache-control"] == "no-cache"


def test_a_reload_that_has_the_page_gets_304(served):
    _, url = served
    first, _ = fetch(url, "/", BR)
    again, body = fetch(url, "/", {**BR, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and body == b""


def test_the_config_names_the_address_it_was_asked_at(served):
    """The page is kept per request's inputs: a proxy's address gives a config of its own, and back."""
    _, url = served
    mine = json.loads(fetch(url, "/config", PLAIN)[1])["root"]
    proxied = json.loads(fetch(url, "/config", {**PLAIN, "X-Forwarded-Host": "class.example.org"})[1])["root"]
    assert "class.example.org" in proxied and "class.example.org" not in mine
    assert json.loads(fetch(url, "/config", PLAIN)[1])["root"] == mine


def test_the_heartbeat_stream_is_not_held_back(served):
    """An event stream answers at once, plain (no encoding), while it stays open."""
    _, url = served
    with httpx.Client(timeout=30) as client, \
            client.stream("GET", url.rstrip("/") + "/gradio_api/heartbeat/test-assets", headers=BR) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers


# ---------------------------------------------------------------------------------------------
# The middleware alone, around a stand-in for Gradio's app that counts what it is asked


class Blocks:
    def __init__(self) -> None:
        self.config = {"version": 1}


class StandIn:
    """Answers like Gradio: a page naming the Host it was asked at, a file, a stream; counts its calls."""

    def __init__(self) -> None:
        self.blocks = Blocks()
        self.auth = self.auth_dependency = None
        self.calls: list[str] = []

    def get_blocks(self) -> Blocks:
        return self.blocks

    async def __call__(self, scope, receive, send) -> None:
        self.calls.append(scope["path"])
        host = dict(scope["headers"]).get(b"host", b"")
        if scope["path"] == "/":
            body, kind = b"<html>" + host + b"x" * 2000 + b"</html>", b"text/html; charset=utf-8"
        elif scope["path"] == "/stream":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream")]})
            for i in range(3):
                await send({"type": "http.response.body", "body": b"data: %d\n\n" % i, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        else:
            body, kind = b"console.log(1);" * 100, b"application/javascript"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def call(middleware: assets.AssetCache, path: str, headers: dict[str, str] | None = None) -> tuple[list, bytes]:
    """One GET through the middleware: (the messages sent, the body)."""
    sent: list = []
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "scheme": "http",
             "server": ("127.0.0.1", 7860), "root_path": "", "app": middleware.app,
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {"host": "a"}).items()]}

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_a_page_is_rendered_once_per_inputs_and_config():
    app = StandIn()
    middleware = assets.AssetCache(app)
    first = call(middleware, "/", {"host": "a", "user-agent": "one"})[1]
    assert call(middleware, "/", {"host": "a", "user-agent": "another browser"})[1] == first
    assert app.calls == ["/"]  # the same page for a browser that differs only in what it is
    assert b"host-b" in call(middleware, "/", {"host": "host-b"})[1] and len(app.calls) == 2  # another address
    call(middleware, "/", {"host": "a", "cookie": "session=1"})
    call(middleware, "/", {"host": "a", "cookie": "session=1"})
    assert len(app.calls) == 4  # a cookie may say who asks: rendered each time
    app.blocks.config = {"version": 2}  # a relaunch or reload
    call(middleware, "/", {"host": "a"})
    assert len(app.calls) == 5


def test_a_login_renders_every_page():
    app = StandIn()
    app.auth = [("teacher", "secret")]
    middleware = assets.AssetCache(app)
    call(middleware, "/")
    call(middleware, "/")
    assert app.calls == ["/", "/"]


def test_a_file_is_asked_of_gradio_once():
    app = StandIn()
    middleware = assets.AssetCache(app)
    for _ in range(3):
        sent, body = call(middleware, "/assets/app-ABCDEFGH.js", {"host": "a", "accept-encoding": "br"})
        assert brotli.decompress(body) == b"console.log(1);" * 100
    assert app.calls == ["/assets/app-ABCDEFGH.js"]


def test_other_paths_pass_through_unbuffered():
    app = StandIn()
    middleware = assets.AssetCache(app)
    sent, _ = call(middleware, "/stream", {"host": "a", "accept-encoding": "br"})
    assert [m.get("more_body", False) for m in sent[1:]] == [True, True, True, False]  # each part as it came
    assert app.calls == ["/stream"]


@pytest.mark.parametrize(("header", "chosen"), [
    ("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("identity", None), ("", None),
    ("*", "gzip"), ("BR", "br"), ("gzip;q=0", None)])
def test_the_encoding_chosen(header, chosen):
    assert assets.accepted_encoding(Headers({"accept-encoding": header})) == chosen
