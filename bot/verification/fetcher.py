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
import time
from collections.abc import Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Self

import httpcore
import httpx

from bot.verification.fetch_types import (
    FetchError,
    FetchFailed,
    FetchLimits,
    FetchPolicy,
    FetchRefused,
    FetchResult,
    Kind,
    Resolver,
    SystemResolver,
)
from bot.verification.guarded import CappedBody, GuardedBackend, GuardedTransport, HostSlots, TtlCache
from bot.verification.netpolicy import STANDARD_PORTS, HostKind, classify_host, host_port

__all__ = [
    "DOCUMENT_ACCEPT",
    "IMAGE_ACCEPT",
    "FetchError",
    "FetchFailed",
    "FetchLimits",
    "FetchPolicy",
    "FetchRefused",
    "FetchResult",
    "FetchSession",
    "Fetcher",
    "Kind",
    "Resolver",
    "SystemResolver",
]


DOCUMENT_ACCEPT = "application/ld+json, application/json"
IMAGE_ACCEPT = "image/png, image/svg+xml, image/*;q=0.8"
USER_AGENT = "credcord (Open Badges verifier)"

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TRANSPORT_ERRORS = (
    httpx.TransportError,
    httpx.DecodingError,
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


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
            transport = GuardedTransport(GuardedBackend(policy, resolver or SystemResolver()), limits)
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
        self._host_slots = HostSlots(limits.max_per_host)
        self._cache = TtlCache(limits, clock)
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
                    body = CappedBody("identity", cap)
                    body.feed(response.content)
                else:
                    body = CappedBody(response.headers.get("Content-Encoding", ""), cap)
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
