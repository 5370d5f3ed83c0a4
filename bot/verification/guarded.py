"""The pieces under the fetcher that enforce its limits: capped bodies, per-host slots, the cache, and
the connection backend that only ever connects to addresses the policy allows.
"""

from __future__ import annotations

import asyncio
import ipaddress
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

import httpcore
import httpx

from bot.verification.fetch_types import (
    FetchFailed,
    FetchLimits,
    FetchPolicy,
    FetchRefused,
    FetchResult,
    Kind,
    Resolver,
)
from bot.verification.netpolicy import HostKind, classify_host, is_public_address

# Small steps keep inflation memory near the cap itself, whatever the compression ratio.
_INFLATE_STEP = 64 * 1024
_KEEPALIVE_SECONDS = 30.0
_IDLE_CONNECTIONS_PER_SLOT = 4


class CappedBody:
    """Collects a body, decoding gzip or deflate itself so that no step inflates past the cap."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        encoding = content_encoding.strip().lower()
        self._inflater: zlib._Decompress | None
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise FetchFailed("http_error", f"unsupported content encoding {encoding!r}")
        self._cap = cap
        self._raw = 0
        self._size = 0
        self._parts: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self._raw += len(chunk)
        if self._raw > self._cap:
            raise FetchFailed("too_large", f"the response is larger than {self._cap} bytes")
        if self._inflater is None:
            self._add(chunk)
            return
        try:
            while chunk:
                step = min(self._cap - self._size + 1, _INFLATE_STEP)
                self._add(self._inflater.decompress(chunk, step))
                chunk = self._inflater.unconsumed_tail
        except zlib.error as exc:
            raise FetchFailed("http_error", f"corrupt compressed body: {exc}") from None

    def finish(self) -> bytes:
        if self._inflater is not None:
            if not self._inflater.eof:
                raise FetchFailed("http_error", "the compressed body is truncated")
            self._add(self._inflater.flush())
        return b"".join(self._parts)

    def _add(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchFailed("too_large", f"the response is larger than {self._cap} bytes")
        self._parts.append(data)


class HostSlots:
    """Per host:port semaphores, dropped when no fetch holds or waits for them."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        semaphore = self._semaphores.setdefault(host, asyncio.Semaphore(self._per_host))
        self._users[host] += 1
        try:
            async with semaphore:
                yield
        finally:
            self._users[host] -= 1
            if not self._users[host]:
                del self._users[host], self._semaphores[host]


class TtlCache:
    """LRU of 2xx results bounded by entry count and total body bytes; entries expire after the TTL."""

    def __init__(self, limits: FetchLimits, clock: Callable[[], float]) -> None:
        self._ttl = limits.cache_ttl
        self._max_entries = limits.max_cache_entries
        self._max_bytes = limits.max_cache_bytes
        self._clock = clock
        self._entries: OrderedDict[tuple[str, Kind], tuple[float, FetchResult]] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[str, Kind]) -> FetchResult | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, result = entry
        if self._clock() >= expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return result

    def put(self, key: tuple[str, Kind], result: FetchResult) -> None:
        if len(result.body) > self._max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (self._clock() + self._ttl, result)
        self._bytes += len(result.body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[str, Kind]) -> None:
        _, result = self._entries.pop(key)
        self._bytes -= len(result.body)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the policy allows, resolving each host exactly once."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._checked_addresses(host, port, timeout)
        for address in addresses[:-1]:
            try:
                return await self._network.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # the next checked address may answer
        return await self._network.connect_tcp(addresses[-1], port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)

    async def _checked_addresses(self, host: str, port: int, time_limit: float | None) -> list[str]:
        exempt = self._policy.exempts(host, port)
        judged = classify_host(host)
        if judged.kind is HostKind.INVALID:
            raise FetchRefused("invalid_url", f"{host!r} is not a valid host")
        if judged.address is not None:
            if not exempt and judged.kind is not HostKind.PUBLIC:
                raise FetchRefused("private_address", f"{judged.address} is not a public address")
            return [str(judged.address)]
        try:
            async with asyncio.timeout(time_limit):
                addresses = await self._resolver.resolve(host, port)
        except TimeoutError:
            raise FetchFailed("timeout", f"resolving {host} took too long") from None
        except (OSError, UnicodeError) as exc:  # getaddrinfo raises UnicodeError for malformed labels
            raise FetchFailed("dns", f"could not resolve {host}: {exc}") from None
        if not addresses:
            raise FetchFailed("dns", f"{host} has no addresses")
        if not exempt:
            for address in addresses:
                if not _is_public_text(address):
                    raise FetchRefused(
                        "private_address", f"{host} resolves to {address}, not a public address"
                    )
        return addresses


def _is_public_text(address: str) -> bool:
    try:
        return is_public_address(ipaddress.ip_address(address))
    except ValueError:
        return False


class GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's pooled HTTP/1.1 transport, but connecting through GuardedBackend."""

    def __init__(self, backend: GuardedBackend, limits: FetchLimits) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            # The fetcher's semaphores cap requests in flight; the pool may keep more connections idle so
            # that a batch spanning many issuers reuses them instead of reconnecting for every request.
            max_connections=limits.max_concurrency * _IDLE_CONNECTIONS_PER_SLOT,
            max_keepalive_connections=limits.max_concurrency * _IDLE_CONNECTIONS_PER_SLOT,
            keepalive_expiry=_KEEPALIVE_SECONDS,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._pool.handle_async_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_PoolStream(response),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _PoolStream(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._response.aiter_stream():
            yield part

    async def aclose(self) -> None:
        await self._response.aclose()
