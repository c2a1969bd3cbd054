"""The SSRF guard's address rules and allowlist entries."""

from __future__ import annotations

import ipaddress

import pytest

from gptforge.egress import EgressPolicy, blocked_reason, parse_allow_entry
from gptforge.errors import ConfigError


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "198.18.0.1",
        "192.0.2.1",
    ],
)
def test_non_public_addresses_are_blocked(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


def test_allowlist_by_host_port_and_network() -> None:
    policy = EgressPolicy.from_entries(
        ["127.0.0.1:8765", "api.internal", "10.0.0.0/8", "*.corp.example", "[::1]:9000"]
    )
    loopback = ipaddress.ip_address("127.0.0.1")
    assert policy.refusal(host="127.0.0.1", address=loopback, port=8765) is None
    assert policy.refusal(host="127.0.0.1", address=loopback, port=8766) is not None
    assert (
        policy.refusal(host="api.internal", address=ipaddress.ip_address("192.168.0.5"), port=443)
        is None
    )
    assert (
        policy.refusal(host="x.example", address=ipaddress.ip_address("10.9.9.9"), port=80) is None
    )
    assert (
        policy.refusal(
            host="git.corp.example", address=ipaddress.ip_address("192.168.7.7"), port=80
        )
        is None
    )
    assert policy.refusal(host="::1", address=ipaddress.ip_address("::1"), port=9000) is None
    refusal = policy.refusal(
        host="metadata", address=ipaddress.ip_address("169.254.169.254"), port=80
    )
    assert refusal is not None and "--allow-host metadata:80" in refusal


@pytest.mark.parametrize("bad", ["", "10.0.0.0/33", "host:99999", "[::1"])
def test_bad_allow_entries_say_what_to_write(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_allow_entry(bad)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("fec0::1", "site-local"),
        ("feff:ffff::1", "site-local"),
        ("2002:0a00:0001::1", "6to4 carrying 10.0.0.1"),
        ("2002:c0a8:0101::1", "6to4 carrying 192.168.1.1"),
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo carrying 10.0.0.1"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo, any client"),
        ("64:ff9b::10.0.0.1", "NAT64 carrying 10.0.0.1"),
        ("64:ff9b::127.0.0.1", "NAT64 carrying loopback"),
        ("64:ff9b:1::8.8.8.8", "local-use NAT64"),
        ("::ffff:0:8.8.8.8", "IPv4-translated (SIIT)"),
        ("::ffff:10.0.0.1", "IPv4-mapped private"),
        ("100::1", "discard-only"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation (RFC 9637)"),
        ("5f00::1", "segment routing"),
        ("2001:2::1", "benchmarking"),
        ("2001:20::1", "ORCHIDv2"),
        ("192.88.99.1", "deprecated 6to4 relay"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("192.0.0.170", "IETF protocol assignments"),
    ],
)
def test_every_non_public_range_is_blocked(address: str, why: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None, why


@pytest.mark.parametrize("address", ["64:ff9b::8.8.8.8", "2002:0808:0808::1"])
def test_translations_of_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None
