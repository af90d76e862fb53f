"""The classroom network: the addresses students on the school's Wi-Fi type to reach the teacher's laptop.

`python app.py --lan` listens on every interface and prints these; the page header shows them, and
the class tab's QR code can be drawn from classroom_urls(port). Nothing here sends a packet: the
addresses are read from the machine's own interfaces (ifaddr, which does this the same way on Linux,
macOS and Windows, where a teacher's laptop most likely runs).
"""

from __future__ import annotations

import ipaddress

import ifaddr

ALL_INTERFACES = "0.0.0.0"  # what --lan listens on
PORT = 7860  # --lan's port unless --port says otherwise: fixed, so a class's bookmark and QR code keep working


def usable(address: str) -> bool:
    """An IPv4 address another machine on the network can reach: not loopback (this machine only), not
    link-local (169.254.x.x: the interface found no network to give it an address), not unspecified."""
    ip = ipaddress.ip_address(address)
    return ip.version == 4 and not (ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def lan_addresses() -> list[str]:
    """Every usable IPv4 address of this machine, in the order of its interfaces, each once."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if ip.is_IPv4 and usable(ip.ip) and ip.ip not in found:
                found.append(ip.ip)
    return found


def serves_lan(host: str | None) -> bool:
    """Whether a server listening on host is meant for other machines (every interface, or one address)."""
    if not host:
        return False
    if host == ALL_INTERFACES:
        return True
    try:
        return usable(host)
    except ValueError:  # a host name: which of its addresses the students should use is not ours to say
        return False


def classroom_urls(port: int, host: str = ALL_INTERFACES) -> list[str]:
    """The addresses to give the class for a server on host:port (none where it serves this machine only)."""
    if not serves_lan(host):
        return []
    addresses = lan_addresses() if host == ALL_INTERFACES else [host]
    return [f"http://{address}:{port}/" for address in addresses]


def listen_on(host: str | None, port: int | None, lan: bool) -> tuple[str | None, int | None, list[str] | None]:
    """(host, port, the addresses students open) for app.py's --host, --port and --lan.

    Serving the network, the port is fixed before the launch (Gradio would otherwise pick the next free
    one as it starts), so that the page header can name the addresses; None where only this machine is served.
    """
    host = ALL_INTERFACES if lan else host
    if not serves_lan(host):
        return host, port, None
    port = port or PORT
    return host, port, classroom_urls(port, host)
