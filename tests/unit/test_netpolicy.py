"""The address half of the SSRF policy: how hosts are read and which addresses count as public."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.verification.netpolicy import HostKind, classify_host, host_port, is_public_address

LOOPBACK = ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.127.255.255",
        "0.0.0.0",
        "192.0.0.8",
        "192.0.2.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "[::1]",
        "::",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fe80::1%eth0",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
        "2001:db8::1",
        "2001::1",
        "100::1",
    ],
)
def test_non_public_addresses_are_classified_non_public(host: str) -> None:
    assert classify_host(host).kind is HostKind.NON_PUBLIC


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "0X7F.0.0.1",
        "0177.0.0.1",
        "0177.1",
        "017700000001",
        "127.1",
        "127.0.1",
        "127.0.0.1.",
        "0x7f.0x0.0.0x1",
    ],
)
def test_numeric_spellings_are_read_like_inet_aton(host: str) -> None:
    judged = classify_host(host)
    assert judged.address == LOOPBACK
    assert judged.kind is HostKind.NON_PUBLIC


def test_metadata_address_in_hex_octets_is_recognised() -> None:
    assert classify_host("0xa9.0xfe.0xa9.0xfe").address == ipaddress.IPv4Address("169.254.169.254")


@pytest.mark.parametrize(
    "host",
    [
        "93.184.216.34",
        "8.8.8.8",
        "134744072",
        "2606:4700:4700::1111",
        "[2606:4700:4700::1111]",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::1",
    ],
)
def test_globally_routable_addresses_are_public(host: str) -> None:
    assert classify_host(host).kind is HostKind.PUBLIC


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "issuer.example.org.",
        "xn--bcher-kva.example",
        "under_score.example",
        "localhost",
        "a" * 63 + ".example",
    ],
)
def test_names_are_left_to_the_resolver(host: str) -> None:
    assert classify_host(host) == classify_host(host.upper())
    assert classify_host(host).kind is HostKind.NAME
    assert classify_host(host).address is None


@pytest.mark.parametrize(
    "host",
    [
        "",
        ".",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.256.1.1",
        "1.2.3.256",
        "1.2.65536",
        "08.1.1.1",
        "0x1g.1",
        "99999999999",
        "4294967296",
        "example.123",
        "example.0x1f",
        "a..b",
        "ex ample.com",
        "[::1",
        "[not-ipv6]",
        "１２７.0.0.1",
        "1_0.0.0.1",
        "+1.0.0.1",
        "\u212aelvin.example",
        "a" * 64 + ".example",
        "a." * 127 + "com",
    ],
)
def test_hosts_that_are_neither_name_nor_address_are_invalid(host: str) -> None:
    assert classify_host(host).kind is HostKind.INVALID


def test_host_port_brackets_ipv6_and_lower_cases() -> None:
    assert host_port("::1", 8080) == "[::1]:8080"
    assert host_port("[::1]", 80) == "[::1]:80"
    assert host_port("Issuer.Example", 443) == "issuer.example:443"


@given(st.one_of(st.text(), st.text(alphabet="0123456789abcdefxX.:[]%-_")))
def test_classifying_any_string_never_raises(host: str) -> None:
    judged = classify_host(host)
    assert (judged.address is not None) == (judged.kind in (HostKind.PUBLIC, HostKind.NON_PUBLIC))


@given(st.integers(min_value=0, max_value=(1 << 32) - 1))
def test_decimal_and_hex_spellings_mean_the_dotted_address(number: int) -> None:
    address = ipaddress.IPv4Address(number)
    assert classify_host(str(number)).address == address
    assert classify_host(hex(number)).address == address
    assert classify_host(str(address)).address == address


@given(st.integers(min_value=0, max_value=(1 << 32) - 1))
def test_ipv4_inside_ipv6_is_judged_as_itself(number: int) -> None:
    inner = ipaddress.IPv4Address(number)
    mapped = ipaddress.IPv6Address(f"::ffff:{inner}")
    nat64 = ipaddress.IPv6Address((0x64FF9B << 96) | number)
    six_to_four = ipaddress.IPv6Address((0x2002 << 112) | (number << 80))
    for outer in (mapped, nat64, six_to_four):
        assert is_public_address(outer) == is_public_address(inner)
