"""The class link as a QR code, and which address the link names: the one the students' phones can reach.

qrcode (pinned in requirements.txt) is pure Python, draws through Pillow, which the page already uses,
and has no other dependency: nothing to compile on a classroom machine or a Space.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import qrcode
from PIL import Image

from . import limits


def class_address(share_url: str | None, lan_urls: Sequence[str], page_url: str | None) -> str:
    """The address students can reach, best first: the public share link (any phone), else the machine's
    address on the local network (a server started with --host 0.0.0.0), else the page's own address (right
    when the teacher's browser reached the server by a name the students can use too)."""
    for url in (share_url, *lan_urls, page_url):
        if url:
            return url if url.endswith("/") else url + "/"
    return "/"


def class_link(address: str, code: str) -> str:
    return address + "?" + urlencode({"class": code})


def qr_image(text: str) -> Image.Image:
    """text as a black-on-white QR code, error correction M (15 %: a glare on the projector is survived)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=limits.CLASS_QR_BOX_PX,
                         border=4)  # 4 modules of white around: what readers need
    code.add_data(text)
    code.make(fit=True)
    return code.make_image().get_image().convert("RGB")
