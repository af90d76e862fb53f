"""Requests the page never makes, answered before Gradio: an address longer than any link of this app.

Gradio answers an address over 64 KB with a bare "Internal Server Error" (it parses the URL again and
fails). A link the page writes is at most limits.MAX_LINK_CHARS long (links.Setup.query leaves out the
longest values to stay under it), so a longer address was not written by the page: it gets a 414 that
says so, in both languages, as plain text (the page cannot know the visitor's language yet).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from . import limits

TOO_LONG = ("这个链接太长了（{n} 个字符）；本应用的链接最多 {most} 个字符。\n"
            "This link is too long ({n} characters); links to this app are at most {most}.\n")


class LongLinkGuard:
    """A plain ASGI middleware: a request whose path and query are over MAX_LINK_CHARS gets a 414."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            n = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string", b""))
            if n > limits.MAX_LINK_CHARS + 1024:  # the query's limit, and room for the path
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1009})
                    return
                body = TOO_LONG.format(n=f"{n:,}", most=f"{limits.MAX_LINK_CHARS:,}").encode()
                await send({"type": "http.response.start", "status": 414,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
