"""Where group robots may be posted: https on a public server, or a host on the allow-list.

An address is checked when a robot is saved (form, model and action) and again right
before every post, on the addresses its name resolves to at that moment; the post then
connects to exactly the address that was checked (``senders``), so a name that answers
differently in between (DNS rebinding) cannot lead to an inside host.

Refused: any scheme but https (plain http only for allow-listed hosts), a user name
before the host (``https://good@127.0.0.1/``), numbers that are not a plain IP address
(``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``), and every host that is, or
resolves to, an address that is not global: loopback, private, link-local, shared,
reserved, multicast, and IPv6 forms that carry one of those (``::ffff:127.0.0.1``).
Host names are compared in their IDNA (punycode) form, without the trailing dot.

``WEBHOOK_ALLOWED_HOSTS`` (settings, from the environment) lists intranet robot gateways:
host names, addresses or CIDR ranges. A listed name is trusted whatever it resolves to;
an address is accepted when it is global or inside a listed range.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# RFC 6052's well-known NAT64 prefix: 64:ff9b::7f00:1 reaches 127.0.0.1 through a gateway.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")

MESSAGES = {
    "scheme": _(
        "The robot address must start with https://, e.g. "
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…. Copy the whole address "
        "from the robot's settings in the group chat."
    ),
    "malformed": _(
        "The robot address is not a valid web address. Copy the whole address from the "
        "robot's settings in the group chat."
    ),
    "userinfo": _(
        "The robot address may not contain a user name or an @ before the server name. "
        "Copy the address again from the robot's settings in the group chat."
    ),
    "numeric": _(
        "Write the server of the robot address as a name such as qyapi.weixin.qq.com or as "
        "an ordinary IP address, not as a decimal, hexadecimal, octal or shortened number."
    ),
    "not_public": _(
        "The robot address must be an https address of a server on the public internet: "
        "this one leads to this server, the internal network or a server that cannot be "
        "found. Copy the address from the robot's settings in the group chat; an internal "
        "robot gateway must be added to WEBHOOK_ALLOWED_HOSTS by the operators."
    ),
}


class Refused(ValueError):
    """The address may not be posted to; ``code`` is a key of MESSAGES."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def validation_error(self) -> ValidationError:
        return ValidationError(MESSAGES[self.code], code=f"robot_url_{self.code}")


@dataclass(frozen=True)
class Target:
    """A checked address: connect to one of ``addresses``, name ``host`` in TLS and Host."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class AllowList:
    names: frozenset[str]
    networks: tuple[IPNetwork, ...]

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def allow_list(entries: Iterable[str] | str | None = None) -> AllowList:
    """``WEBHOOK_ALLOWED_HOSTS`` read into names and networks; bad entries are skipped."""
    if entries is None:
        entries = getattr(settings, "WEBHOOK_ALLOWED_HOSTS", [])
    if isinstance(entries, str):
        entries = entries.split(",")
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        try:
            name = _ascii_host(entry)
        except Refused:
            continue
        if _is_host_name(name):
            names.add(name)
    return AllowList(frozenset(names), tuple(networks))


def is_public(address: IPAddress) -> bool:
    """A global unicast address, also through any IPv4 address an IPv6 one carries."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return address.is_global and not address.is_multicast


def _ascii_host(host: str) -> str:
    """The host's IDNA form in lower case, without the root's trailing dot."""
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise Refused("malformed")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise Refused("malformed") from None
    return host.lower()


def _is_host_name(host: str) -> bool:
    return len(host) <= 253 and all(LABEL.match(label) for label in host.split("."))


def _literal(host: str) -> IPAddress | None:
    """The host as an IP address; Refused for numbers in any other form."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    labels = host.split(".")
    try:
        socket.inet_aton(host)  # what the C resolver would read as an IPv4 address
    except OSError:
        if not NUMERIC_LABEL.match(labels[-1]):
            return None
    raise Refused("numeric")


def parse(url: str) -> tuple[str, str, int, str, IPAddress | None]:
    """Scheme, host, port, path with query, and the host's address when it is one."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c == "\\" for c in url):
        raise Refused("malformed")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("malformed") from None
    if port == 0:
        raise Refused("malformed")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("scheme")
    if "@" in parts.netloc:
        raise Refused("userinfo")
    if not parts.hostname:
        raise Refused("malformed")
    host = _ascii_host(parts.hostname)
    address = _literal(host)
    if address is None:
        if not _is_host_name(host):
            raise Refused("malformed")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default = 443 if scheme == "https" else 80
    return scheme, host, port or default, path, address


def _resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise Refused("not_public") from None
    found: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]))
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    if not found:
        raise Refused("not_public")
    return tuple(found)


def target(url: str, *, allowed: AllowList | None = None) -> Target:
    """Check the address and resolve its host now; Refused says why not."""
    allowed = allowed if allowed is not None else allow_list()
    scheme, host, port, path, literal = parse(url)
    listed_name = literal is None and host in allowed.names
    if literal is not None and not (is_public(literal) or allowed.allows_address(literal)):
        raise Refused("not_public")
    # Subdomains of localhost are this machine (RFC 6761) but rarely in the hosts file:
    # refused without asking DNS. "localhost" itself resolves to loopback and fails below.
    if not listed_name and host.endswith(".localhost"):
        raise Refused("not_public")
    # Plain http only to allow-listed gateways, never across the internet with the token;
    # decided before resolving when the answer cannot change it.
    if scheme == "http" and not listed_name:
        if literal is not None and not allowed.allows_address(literal):
            raise Refused("scheme")
        if literal is None and not allowed.networks:
            raise Refused("scheme")
    addresses = (literal,) if literal is not None else _resolve(host, port)
    if not listed_name:
        for address in addresses:
            if not (is_public(address) or allowed.allows_address(address)):
                raise Refused("not_public")
            if scheme == "http" and not allowed.allows_address(address):
                raise Refused("scheme")
    return Target(scheme, host, port, path, addresses)


def check_robot_url(url: str) -> None:
    """Raise a ValidationError that says what is wrong with the address and how to fix it."""
    try:
        target(url)
    except Refused as refused:
        raise refused.validation_error() from None
