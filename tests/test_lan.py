"""The classroom network: the addresses --lan prints and the header shows, and what a failed share link says.

No test sends anything to a network address: the addresses are read from this machine's interfaces and
checked against `ip`'s own list, and the one server started here listens on 127.0.0.1.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import httpx
import pytest
from conftest import free_port

from lyricgen.web import network, server


def addresses_ip_lists() -> list[str]:
    """This machine's IPv4 addresses as iproute2 lists them, loopback and link-local left out."""
    if shutil.which("ip") is None:
        pytest.skip("no `ip` command here to compare with")
    out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r"\sinet (\d+\.\d+\.\d+\.\d+)/", out)
    return [a for a in found if not a.startswith(("127.", "169.254."))]


def test_lan_addresses_are_the_machines_non_loopback_ipv4_addresses():
    assert sorted(network.lan_addresses()) == sorted(set(addresses_ip_lists()))


def test_which_addresses_a_student_can_reach():
    assert network.usable("192.168.1.23") and network.usable("10.0.0.5") and network.usable("172.16.4.1")
    assert not network.usable("127.0.0.1") and not network.usable("127.0.1.1")  # this machine only
    assert not network.usable("169.254.10.1")  # no address from the network's DHCP
    assert not network.usable("0.0.0.0") and not network.usable("fe80::1") and not network.usable("::1")


def test_listen_on_for_lan_host_and_this_machine_only():
    urls = [f"http://{a}:7860/" for a in network.lan_addresses()]
    assert network.listen_on(None, None, lan=True) == ("0.0.0.0", 7860, urls)
    assert network.listen_on("0.0.0.0", 8080, lan=False)[1:] == (8080, [u.replace(":7860/", ":8080/") for u in urls])
    assert network.listen_on("192.168.1.23", 8080, lan=False) == ("192.168.1.23", 8080, ["http://192.168.1.23:8080/"])
    assert network.listen_on(None, None, lan=False) == (None, None, None)  # Gradio's default: this machine
    assert network.listen_on("127.0.0.1", 9000, lan=False) == ("127.0.0.1", 9000, None)
    assert network.listen_on("localhost", None, lan=False) == ("localhost", None, None)


def test_lan_notice_lists_every_address_in_both_languages():
    urls = ["http://192.168.1.23:7860/", "http://10.0.0.5:7860/"]
    notice = server.classroom_notice(urls)
    assert "学生" in notice and "Students" in notice
    assert all(notice.count(url) == 2 for url in urls)
    empty = server.classroom_notice([])
    assert "Wi-Fi" in empty and "http" not in empty


def test_a_failed_share_link_points_to_the_lan_and_a_studio():
    message = server.share_failed("http://127.0.0.1:7860/")
    assert "Could not create a public share link" in message and "无法创建公开链接" in message
    english = next(line for line in message.splitlines() if "mainland China" in line)
    assert "--lan" in english and "ModelScope studio" in english and "deploy --to modelscope" in english
    chinese = next(line for line in message.splitlines() if "中国大陆" in line)
    assert "--lan" in chinese and "魔搭创空间" in chinese


def test_the_header_names_the_classroom_addresses_in_the_pages_language(tiny, engines):
    import app

    demo = app.build_demo(tiny, engines)
    page = demo.lyricgen_page
    assert page.classroom.markdown.visible is False  # serving this machine only: no line
    urls = ["http://192.168.1.23:7860/", "http://10.0.0.5:7860/"]
    page.classroom.show(urls)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        config = httpx.get(f"{demo.local_url}config", timeout=30).json()
        [line] = [c["props"] for c in config["components"] if c["props"].get("elem_id") == "classroom"]
        assert line["visible"] is True
        assert "课堂地址" in line["value"] and all(f"`{url}`" in line["value"] for url in urls)
        english = [u for u in page.strings.translate("en") if isinstance(u, str) and "Classroom address" in u]
        assert len(english) == 1 and all(url in english[0] for url in urls) and "课堂" not in english[0]
    finally:
        demo.close()
