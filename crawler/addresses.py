"""Where a crawl may be led: never to an internal address, nor to another port than the source's own.

A compromised department site could answer with redirects (or meta refreshes, or a "site
move") to the crawler's own network: 127.0.0.1:6379, 10.0.0.5/internal-admin, the cloud
metadata address. Whatever the crawler fetched there would be published in a feed. So a
request the source's config did not name is checked by the address its host resolves to
here, not by its name:

- loopback, private, link-local and other non-public addresses are refused unless the
  source's own configured host resolves to the same kind (a source on 127.0.0.1 may be led
  around 127.0.0.1, as in the tests; one on a public host may not go there);
- another port than the source's own is refused (80 and 443 count as one: http → https);
- a name that does not resolve here is let through on purpose: fetched directly it fails as
  `dns`; fetched through the HTTP proxy the environment names (the tests' fake hosts), the
  proxy resolves it, and what it reaches is the proxy's to police. IP literals are always
  checked, proxy or not.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import TimeoutError as DeferredTimeout
from twisted.internet.threads import deferToThread

log = logging.getLogger("deptfeeds.net")

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
RESOLVE_TIMEOUT = 10.0
PUBLIC = "public"


def address_kind(address: str) -> str:
    """"public", or which kind of non-public address this is (loopback, private, link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "non-public"
    if ip.is_private:
        return "private"
    return PUBLIC if ip.is_global else "non-public"


def literal(host: str) -> str | None:
    """The host as an IP address if it is one (brackets of an IPv6 literal removed)."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def resolve(host: str) -> set[str] | None:
    """The addresses a host name resolves to here, or None when it does not resolve."""
    if (address := literal(host)) is not None:
        return {address}
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return None


def port_of(url: str) -> int | None:
    parts = urlsplit(url)
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None


@dataclass
class Destinations:
    """The hosts and ports a source is configured on, and the check of any other place it is led to."""

    listing: list[str]
    _kinds: dict[str, set[str] | None] = field(default_factory=dict)

    @property
    def own(self) -> set[tuple[str, int | None]]:
        return {((urlsplit(u).hostname or "").lower(), port_of(u)) for u in self.listing}

    def allowed_ports(self) -> set[int | None]:
        ports = {port for _, port in self.own}
        return ports | set(DEFAULT_PORTS.values()) if ports <= set(DEFAULT_PORTS.values()) else ports

    async def kinds(self, host: str) -> set[str] | None:
        """The kinds of address a host resolves to (None: it does not resolve), looked up once."""
        if host not in self._kinds:
            if literal(host) is not None:
                found = resolve(host)
            else:
                lookup = deferToThread(resolve, host).addTimeout(RESOLVE_TIMEOUT, reactor)
                try:
                    found = await maybe_deferred_to_future(lookup)
                except DeferredTimeout:
                    found = None
            self._kinds[host] = {address_kind(a) for a in found} if found else None
        return self._kinds[host]

    async def own_kinds(self) -> set[str]:
        """What the source's own hosts are; one that does not resolve here counts as public."""
        kinds: set[str] = set()
        for host, _ in self.own:
            kinds |= await self.kinds(host) or {PUBLIC}
        return kinds

    async def refusal(self, url: str) -> tuple[str, str] | None:
        """Why the crawl must not go to `url` (a failure kind and its detail), or None when it may."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
            return "not-web-url", f"{url[:200]} is not an http(s) URL"
        host, port = parts.hostname.lower(), port_of(url)
        if (host, port) in self.own:
            return None
        if port not in self.allowed_ports():
            ports = ", ".join(str(p) for p in sorted(p for p in self.allowed_ports() if p))
            return "other-port", f"{url} is on port {port}, the source on {ports}"
        kinds = await self.kinds(host)
        if kinds is None:
            log.debug("%s does not resolve here; left to the proxy or the DNS error", host)
            return None
        own = await self.own_kinds()
        internal = sorted(kind for kind in kinds if kind != PUBLIC and kind not in own)
        if internal:
            return "internal-address", (f"{url}: {host} is a {' and '.join(internal)} address, the "
                                        f"source's own host is {' and '.join(sorted(own))}")
        return None
