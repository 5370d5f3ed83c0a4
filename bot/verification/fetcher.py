"""The one way credcord reaches the network: an HTTP fetcher that is safe to point at member-supplied URLs.

Errors::

    FetchError            .reason is a short stable code
     ├── FetchRefused     the policy forbids the URL or address; nothing was sent (verdict REFUSED)
     └── FetchFailed      the fetch was allowed but did not succeed (verdict UNVERIFIABLE)

The SSRF policy is enforced twice. Every URL, including every redirect hop, is checked for scheme,
credentials, port and numeric hosts before a request is built. Then the connection backend resolves the
host once, refuses unless every address is public, and connects to exactly the checked address while TLS
and `Host` keep using the name, so a second DNS answer can never redirect the socket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Literal, Protocol, Self

import httpcore
import httpx

from bot.verification.netpolicy import STANDARD_PORTS, HostKind, classify_host, host_port, is_public_address

Kind = Literal["document", "image"]

DOCUMENT_ACCEPT = "application/ld+json, application/json"
IMAGE_ACCEPT = "image/png, image/svg+xml, image/*;q=0.8"
USER_AGENT = "credcord (Open Badges verifier)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Small steps keep inflation memory near the cap itself, whatever the compression ratio.
_INFLATE_STEP = 64 * 1024
_KEEPALIVE_SECONDS = 30.0
_ALLOWED_HOST_ENTRY = re.compile(r"[^A-Z\s]+:[0-9]{1,5}")
_TRANSPORT_ERRORS = (
    httpx.TransportError,
    httpx.DecodingError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


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


class Fetcher:
    """Fetches documents and images under the SSRF policy and limits; one per process.

    `transport` replaces the network entirely (tests of pure logic); the URL checks still apply, but the
    connection-level address checks belong to the default transport.
    """

    def __init__(
        self,
        *,
        policy: FetchPolicy = FetchPolicy(),
        limits: FetchLimits = FetchLimits(),
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._limits = limits
        if transport is None:
            transport = _GuardedTransport(_GuardedBackend(policy, resolver or SystemResolver()), limits)
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(
                connect=limits.connect_timeout,
                read=limits.read_timeout,
                write=limits.read_timeout,
                pool=limits.total_timeout,
            ),
            # Only encodings this module decodes under the size cap.
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            # Issuers must not be able to set state that follows one member's fetch into another's.
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
            follow_redirects=False,
            # Environment proxies would carry requests past the address checks.
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(limits.max_concurrency)
        self._host_slots = _HostSlots(limits.max_per_host)
        self._cache = _TtlCache(limits, clock)
        self._pending: dict[tuple[str, Kind], asyncio.Task[FetchResult]] = {}

    def session(self, max_fetches: int = 8) -> FetchSession:
        """A view of this fetcher that allows at most `max_fetches` network fetches (one verification)."""
        return FetchSession(self, max_fetches)

    async def fetch(self, url: str, *, kind: Kind = "document", cache: bool = False) -> FetchResult:
        """GET `url`, following up to `max_redirects` checked redirects.

        Raises FetchRefused when the policy forbids the URL or any hop, FetchFailed when the fetch cannot
        complete. `cache=True` serves and keeps 2xx results for `cache_ttl` seconds.
        """
        return await self._fetch(url, kind, cache, spend=None)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _fetch(
        self, url: str, kind: Kind, cache: bool, spend: Callable[[], None] | None
    ) -> FetchResult:
        target = self._checked_url(url, previous=None)
        key = (str(target), kind)
        if cache:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            pending = self._pending.get(key)
            if pending is not None:
                # A batch from one issuer asks for the same profile many times at once; fetch it once.
                return await asyncio.shield(pending)
        if spend is not None:
            spend()
        if not cache:
            return await self._fetch_from_network(target, kind)
        task = asyncio.create_task(self._fetch_into_cache(key, target, kind))
        self._pending[key] = task
        task.add_done_callback(lambda _: self._pending.pop(key, None))
        return await asyncio.shield(task)

    async def _fetch_into_cache(self, key: tuple[str, Kind], target: httpx.URL, kind: Kind) -> FetchResult:
        result = await self._fetch_from_network(target, kind)
        if 200 <= result.status < 300:
            self._cache.put(key, result)
        return result

    async def _fetch_from_network(self, target: httpx.URL, kind: Kind) -> FetchResult:
        if kind == "document":
            accept, cap = DOCUMENT_ACCEPT, self._limits.max_document_bytes
        else:
            accept, cap = IMAGE_ACCEPT, self._limits.max_image_bytes
        async with self._slots:
            try:
                async with asyncio.timeout(self._limits.total_timeout):
                    return await self._follow(target, accept, cap)
            except TimeoutError:
                raise FetchFailed("timeout", f"fetching {target} took too long") from None

    async def _follow(self, url: httpx.URL, accept: str, cap: int) -> FetchResult:
        for _ in range(self._limits.max_redirects + 1):
            async with self._host_slots.hold(host_port(url.host, _port(url))):
                status, headers, body = await self._get(url, accept, cap)
            location = headers.get("Location")
            if status not in _REDIRECT_STATUSES or location is None:
                return FetchResult(str(url), status, _media_type(headers), body)
            try:
                next_url = url.join(location)
            except httpx.InvalidURL as exc:
                raise FetchRefused("invalid_url", f"redirect to an invalid URL: {exc}") from None
            url = self._checked_url(next_url, previous=url)
        raise FetchFailed("too_many_redirects", f"more than {self._limits.max_redirects} redirects")

    async def _get(self, url: httpx.URL, accept: str, cap: int) -> tuple[int, httpx.Headers, bytes]:
        request = self._client.build_request("GET", url, headers={"Accept": accept})
        try:
            response = await self._client.send(request, stream=True)
            try:
                length = response.headers.get("Content-Length", "")
                if length.isascii() and length.isdigit() and int(length) > cap:
                    raise FetchFailed("too_large", f"the response declares more than {cap} bytes")
                if response.is_stream_consumed:
                    # Responses built in memory (MockTransport) arrive already read and decoded.
                    body = _CappedBody("identity", cap)
                    body.feed(response.content)
                else:
                    body = _CappedBody(response.headers.get("Content-Encoding", ""), cap)
                    async for chunk in response.aiter_raw():
                        body.feed(chunk)
                return response.status_code, response.headers, body.finish()
            finally:
                await response.aclose()
        except _TRANSPORT_ERRORS as exc:
            raise _transport_failure(exc) from exc

    def _checked_url(self, url: str | httpx.URL, *, previous: httpx.URL | None) -> httpx.URL:
        try:
            parsed = httpx.URL(url).copy_with(fragment=None)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchRefused("invalid_url", f"not a valid URL: {exc}") from None
        if not parsed.scheme:
            raise FetchRefused("invalid_url", "not an absolute URL")
        if parsed.scheme not in ("http", "https"):
            raise FetchRefused("bad_scheme", f"only http and https URLs are fetched, not {parsed.scheme}")
        if not parsed.host:
            raise FetchRefused("invalid_url", "the URL has no host")
        if previous is not None and previous.scheme == "https" and parsed.scheme == "http":
            raise FetchRefused("https_downgrade", "a redirect from https to http was refused")
        if parsed.userinfo:
            raise FetchRefused("credentials_in_url", "URLs with credentials are not fetched")
        host, port = parsed.host, _port(parsed)
        judged = classify_host(host)
        if judged.kind is HostKind.INVALID:
            raise FetchRefused("invalid_url", f"{host!r} is not a valid host")
        if self._policy.exempts(host, port):
            return parsed
        if judged.kind is HostKind.NON_PUBLIC:
            raise FetchRefused("private_address", f"{judged.address} is not a public address")
        if port not in STANDARD_PORTS:
            raise FetchRefused("bad_port", f"port {port} is not fetched (only 80, 443, 8080 and 8443)")
        return parsed


class FetchSession:
    """The fetches of one verification: like Fetcher.fetch, but with a budget of network fetches.

    Cache hits are free; a fetch beyond the budget raises FetchFailed("fetch_budget").
    """

    def __init__(self, fetcher: Fetcher, max_fetches: int) -> None:
        self._fetcher = fetcher
        self._remaining = max_fetches

    async def fetch(self, url: str, *, kind: Kind = "document", cache: bool = False) -> FetchResult:
        return await self._fetcher._fetch(url, kind, cache, spend=self._spend)

    def _spend(self) -> None:
        if self._remaining <= 0:
            raise FetchFailed("fetch_budget", "this verification needs more fetches than allowed")
        self._remaining -= 1


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _media_type(headers: httpx.Headers) -> str:
    content_type: str = headers.get("Content-Type", "")
    return content_type.split(";", 1)[0].strip().lower()


def _transport_failure(exc: Exception) -> FetchFailed:
    if isinstance(exc, httpx.TimeoutException | httpcore.TimeoutException):
        return FetchFailed("timeout", "the server did not answer in time")
    if isinstance(exc, httpx.ConnectError | httpcore.ConnectError):
        return FetchFailed("connect_error", f"could not connect: {exc}")
    return FetchFailed("http_error", f"the HTTP exchange failed: {exc}")


class _CappedBody:
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


class _HostSlots:
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


class _TtlCache:
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


class _GuardedBackend(httpcore.AsyncNetworkBackend):
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


class _GuardedTransport(httpx.AsyncBaseTransport):
    """httpx's pooled HTTP/1.1 transport, but connecting through _GuardedBackend."""

    def __init__(self, backend: _GuardedBackend, limits: FetchLimits) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_concurrency,
            max_keepalive_connections=limits.max_concurrency,
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
