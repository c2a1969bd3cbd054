"""Which destinations outbound requests may reach.

The default refuses every address that is not globally routable (loopback,
private, link-local, CGNAT, multicast, reserved, unspecified, cloud metadata),
including IPv4 addresses hidden inside IPv6 forms. An operator's allowlist of
hosts, ``host:port`` pairs and CIDR networks opens chosen internal services on
purpose, for example the bundled demo API on loopback.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpx

from gptforge.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")

_NON_PUBLIC: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), reason)
    for cidr, reason in (
        # Named here as well as by the ipaddress properties, whose tables differ between
        # Python versions and lag behind IANA's registries.
        ("0.0.0.0/8", "a reserved address"),
        ("192.0.0.0/24", "a reserved address"),
        ("192.0.2.0/24", "a documentation address"),
        ("192.88.99.0/24", "a deprecated 6to4 relay address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("240.0.0.0/4", "a reserved address"),
        ("::ffff:0:0:0/96", "an IPv4-translated address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
        ("100::/64", "a discard-only address"),
        ("2001::/23", "an IETF protocol address (Teredo, benchmarking, ORCHID)"),
        ("2001:db8::/32", "a documentation address"),
        ("3fff::/20", "a documentation address"),
        ("5f00::/16", "a segment-routing address"),
        ("fc00::/7", "a private-network address"),
        ("fec0::/10", "a site-local address (deprecated, still routed inside sites)"),
    )
)


def origin(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: credentials never cross it."""
    parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    scheme = parsed.scheme.lower()
    port = parsed.port or _DEFAULT_PORTS.get(scheme)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range")
    return scheme, parsed.host.lower().rstrip("."), port


@dataclass(frozen=True, kw_only=True)
class AllowEntry:
    """One allowlist entry: a host name, an address or a network, optionally with a port."""

    host: str | None = None
    network: IPNetwork | None = None
    port: int | None = None

    def matches(self, *, host: str, address: IPAddress | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            if self.host.startswith("*."):
                return host.endswith(self.host[1:])
            return host == self.host
        if self.network is not None and address is not None:
            return _unmapped(address) in self.network
        return False


def parse_allow_entry(text: str) -> AllowEntry:
    """Parse ``example.com``, ``*.corp.example``, ``api.internal:8443``, ``10.0.0.0/8``,
    ``127.0.0.1:8765`` or ``[::1]:8080`` into an entry.
    """
    raw = text.strip()
    if not raw:
        raise ConfigError("An empty --allow-host entry was given; write a host, host:port or CIDR.")
    if "/" in raw:
        try:
            return AllowEntry(network=ipaddress.ip_network(raw, strict=False))
        except ValueError as exc:
            raise ConfigError(
                f"{raw!r} is not a valid network; write a CIDR such as 10.0.0.0/8."
            ) from exc
    host, port = _split_host_port(raw)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return AllowEntry(host=_normalize_host(host), port=port)
    return AllowEntry(network=ipaddress.ip_network(address), port=port)


def _split_host_port(raw: str) -> tuple[str, int | None]:
    if raw.startswith("["):
        end = raw.find("]")
        if end == -1:
            raise ConfigError(f"{raw!r} opens '[' without closing it; write [::1]:8080.")
        host, rest = raw[1:end], raw[end + 1 :]
        return host, _parse_port(raw, rest[1:]) if rest.startswith(":") else None
    if raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
        return host, _parse_port(raw, port_text)
    return raw, None


def _parse_port(raw: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"{raw!r} has an invalid port; write host:PORT with 1-65535.")
    return int(text)


def _normalize_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    packed = address.packed
    if packed[:12] == bytes(12) and int(address) > 1:
        return ipaddress.IPv4Address(packed[12:])
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why this address may not be reached by default, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return blocked_reason(address.ipv4_mapped)
        inner = embedded_ipv4(address)
        if inner is not None:
            reason = blocked_reason(inner)
            if reason is not None:
                return reason
            if address in _NAT64:
                return None  # DNS64 gives public IPv4 hosts these names on IPv6-only networks
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address (this includes cloud metadata services)"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address (deprecated, still routed inside sites)"
    for network, reason in _NON_PUBLIC:
        if address.version == network.version and address in network:
            return reason
    if address.is_private:
        return "a private-network address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


@dataclass(frozen=True)
class EgressPolicy:
    """Decides whether a resolved destination may be contacted."""

    allow: tuple[AllowEntry, ...] = field(default_factory=tuple)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> EgressPolicy:
        return cls(allow=tuple(parse_allow_entry(entry) for entry in entries))

    def extended(self, entries: Iterable[str]) -> EgressPolicy:
        return EgressPolicy(allow=self.allow + EgressPolicy.from_entries(entries).allow)

    def is_allowlisted(self, *, host: str, address: IPAddress | None, port: int) -> bool:
        name = _normalize_host(host)
        return any(entry.matches(host=name, address=address, port=port) for entry in self.allow)

    def refusal(self, *, host: str, address: IPAddress, port: int) -> str | None:
        """A sentence saying why ``host`` at ``address`` is refused, or None if it may be used."""
        if self.is_allowlisted(host=host, address=address, port=port):
            return None
        reason = blocked_reason(address)
        if reason is None:
            return None
        shown = host if host == str(address) else f"{host} ({address})"
        entry = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return (
            f"Refused to connect to {shown}: it is {reason}. If this internal service is "
            f"meant to be reachable, add it to the allowlist (--allow-host {entry} "
            "or GPTFORGE_ALLOW_HOSTS)."
        )
