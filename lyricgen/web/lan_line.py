"""The classroom's addresses under the page's title, when the app serves the local network (app.py --lan).

The page is built before the server knows where it listens, so the line is built hidden and empty and
filled in once it does (show, before the launch: Gradio reads the page's settings then). It is one of
the page's own strings, sent again in the visitor's language like the others.
"""

from __future__ import annotations

import gradio as gr

from .i18n import DEFAULT, Msg, t, text


class Addresses(Msg):
    """The addresses as the page writes them, in every language; none until show() is told them."""

    def __init__(self) -> None:
        super().__init__("", urls=[])

    def render(self, lang: str) -> str:
        return " · ".join(f"`{url}`" for url in self.fields["urls"])


class ClassroomLine:
    """The line under the header: hidden until show() is given the addresses."""

    def __init__(self) -> None:
        self.urls: list[str] = []  # where students reach the app on the local network, once show() is told
        self.addresses = Addresses()  # the page's recorded string holds this very object: it translates what show() set
        self.markdown = gr.Markdown(t("page.classroom", urls=self.addresses), visible=False, elem_id="classroom")

    def show(self, urls: list[str]) -> None:
        """Show these addresses (network.classroom_urls); none leaves the line hidden."""
        self.urls = list(urls)  # the class tab's QR code points at the first
        self.addresses.fields["urls"] = list(urls)
        self.markdown.value = text(DEFAULT, "page.classroom", urls=self.addresses)  # the language it was built in
        self.markdown.visible = bool(urls)
