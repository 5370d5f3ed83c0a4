"""The values and errors of the fetcher, shared by the fetcher and its guarded transport."""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.verification.netpolicy import host_port

Kind = Literal["document", "image"]

_ALLOWED_HOST_ENTRY = re.compile(r"[^A-Z\s]+:[0-9]{1,5}")


class FetchError(Exception):
    """A fetch did not produce a response; `reason` is a short stable machine code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FetchRefused(FetchError):
    """The policy forbids the URL or the address it leads to; no request was sent."""


class FetchFailed(FetchError):
    """The fetch was allowed but could not complete (timeout, DNS, too large, too many redirects, ...)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What an issuer answered."""

    url: str  # final URL after redirects
    status: int  # non-2xx statuses are returned, not raised: a 410 body says why a badge was revoked
    content_type: str  # media type without parameters, lower-cased ("" if absent)
    body: bytes  # at most the cap for the fetch's kind


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Which networks may be reached.

    `allow_private_networks` opens loopback, private and other non-public addresses and any port; it is for
    local testing and sandboxes only. `allowed_hosts` lists exact lower-case ``host:port`` entries (IPv6 in
    brackets) that bypass the address and port rules, such as a sandbox issuer.
    """

    allow_private_networks: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for entry in self.allowed_hosts:
            if not _ALLOWED_HOST_ENTRY.fullmatch(entry):
                raise ValueError(f"allowed host {entry!r} must be a lower-case host:port")

    def exempts(self, host: str, port: int) -> bool:
        """True when the address and port rules do not apply to `host` on `port`."""
        return self.allow_private_networks or host_port(host, port) in self.allowed_hosts


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Time, size, redirect, concurrency and cache limits; the defaults suit a public bot."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0  # one deadline per fetch including redirects; slow-drip bodies stop here
    max_document_bytes: int = 1 << 20
    max_image_bytes: int = 5 << 20
    max_redirects: int = 5
    max_concurrency: int = 16  # fetches in flight across the process
    max_per_host: int = 4  # requests in flight to one host:port
    cache_ttl: float = 300.0  # seconds, for fetch(..., cache=True)
    max_cache_entries: int = 512
    max_cache_bytes: int = 16 << 20


class Resolver(Protocol):
    async def resolve(self, host: str, port: int) -> list[str]:
        """The IP addresses `host` resolves to, as strings."""
        ...


class SystemResolver:
    """Resolves through the operating system (getaddrinfo)."""

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))
