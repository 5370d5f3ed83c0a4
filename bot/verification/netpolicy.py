"""Which hosts and addresses the fetcher may reach: the address half of the SSRF policy.

A host is judged by what it *means*, not how it is spelled. Numeric IPv4 hosts are parsed the way
`inet_aton` (and browsers) read them, so ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are all
127.0.0.1; IPv6 addresses that carry an IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by the IPv4
address inside. Only globally routable unicast addresses are public.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

STANDARD_PORTS = frozenset({80, 443, 8080, 8443})

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# IANA special-purpose IPv4 ranges that are not globally reachable, plus multicast and the old class E.
_NON_PUBLIC_V4 = tuple(
    _V4(net)
    for net in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, where cloud metadata services live
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved and broadcast
    )
)

# Only 2000::/3 is allocated for global unicast; inside it these are special-purpose.
_GLOBAL_UNICAST_V6 = _V6("2000::/3")
_NON_PUBLIC_V6 = tuple(_V6(net) for net in ("2001::/23", "2001:db8::/32", "3fff::/20"))
_NAT64_V6 = _V6("64:ff9b::/96")
_SIX_TO_FOUR_V6 = _V6("2002::/16")

# ASCII only: with Unicode case folding, [a-z] would also match signs such as the Kelvin sign.
_HOST_NAME = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\.?", re.ASCII | re.IGNORECASE)
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*", re.ASCII | re.IGNORECASE)
_HEX_PART = re.compile(r"0x[0-9a-f]*", re.ASCII | re.IGNORECASE)
_OCTAL_PART = re.compile(r"0[0-7]+", re.ASCII)
# Eleven digits always exceed 32 bits; the bound also keeps int() clear of its digit-count limit.
_DECIMAL_PART = re.compile(r"[1-9][0-9]{0,9}|0", re.ASCII)


class HostKind(StrEnum):
    NAME = "name"  # a DNS name: judge the addresses it resolves to
    PUBLIC = "public"  # a numeric host that is globally routable
    NON_PUBLIC = "non_public"  # a numeric host that is loopback, private, link-local, reserved, ...
    INVALID = "invalid"  # neither a usable name nor an address


@dataclass(frozen=True, slots=True)
class HostClass:
    kind: HostKind
    address: IPAddress | None = None  # set for PUBLIC and NON_PUBLIC


def classify_host(host: str) -> HostClass:
    """Say what a URL host is; total over all strings (never raises)."""
    address = parse_numeric_host(host)
    if address is not None:
        return HostClass(HostKind.PUBLIC if is_public_address(address) else HostKind.NON_PUBLIC, address)
    bare = host[:-1] if host.endswith(".") else host
    if len(host) > 253 or not _HOST_NAME.fullmatch(host) or _NUMERIC_LABEL.fullmatch(bare.rsplit(".", 1)[-1]):
        # A host whose last label is a number is an IPv4 address to browsers; one that did not parse as
        # an address must not be handed to a resolver, which might read it differently.
        return HostClass(HostKind.INVALID)
    return HostClass(HostKind.NAME)


def parse_numeric_host(host: str) -> IPAddress | None:
    """The address a host spells (IPv6 with or without brackets, IPv4 in any inet_aton form), or None."""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return _parse_inet_aton(host)


def _parse_inet_aton(host: str) -> ipaddress.IPv4Address | None:
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # browsers accept one trailing dot
    if not 1 <= len(parts) <= 4:
        return None
    values = [_parse_ipv4_part(part) for part in parts]
    if any(value is None for value in values):
        return None
    *leading, last = [value for value in values if value is not None]
    if any(value > 0xFF for value in leading) or last >= 1 << (8 * (5 - len(parts))):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _parse_ipv4_part(part: str) -> int | None:
    # Checked by pattern first: int() would also take signs, spaces, underscores and non-ASCII digits.
    if _HEX_PART.fullmatch(part):
        return int(part[2:] or "0", 16)
    if _OCTAL_PART.fullmatch(part):
        return int(part, 8)
    if _DECIMAL_PART.fullmatch(part):
        return int(part, 10)
    return None


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses, judging embedded IPv4 addresses by themselves."""
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in net for net in _NON_PUBLIC_V4)
    if address.scope_id:
        return False  # a zone only means something on a local link
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public_address(embedded)
    return address in _GLOBAL_UNICAST_V6 and not any(address in net for net in _NON_PUBLIC_V6)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64_V6:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def host_port(host: str, port: int) -> str:
    """The `host:port` spelling used by allow-lists (IPv6 in brackets, lower-case)."""
    host = host.lower()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"
