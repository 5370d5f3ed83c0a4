"""The fetcher: SSRF refusals, limits, redirects, budgets, concurrency and caching.

Wire behaviour is tested against a real LocalServer on 127.0.0.1; cache and downgrade logic, which need
no sockets, use httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.verification.fetcher import (
    DOCUMENT_ACCEPT,
    IMAGE_ACCEPT,
    Fetcher,
    FetchFailed,
    FetchLimits,
    FetchPolicy,
    FetchRefused,
    FetchResult,
)
from tests.support.clock import FakeClock
from tests.support.http_server import LocalServer, Request, Response

MiB = 1 << 20
LOOPBACK = FetchPolicy(allow_private_networks=True)
QUICK = FetchLimits(connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0)


class StubResolver:
    """Answers from a table and records every lookup."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(policy=LOOPBACK, limits=QUICK) as opened:
        yield opened


async def failure(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchFailed) as caught:
        await fetcher.fetch(url)
    return caught.value.reason


async def refusal(fetcher: Fetcher, url: str) -> str:
    with pytest.raises(FetchRefused) as caught:
        await fetcher.fetch(url)
    return caught.value.reason


def mock_fetcher(
    handler: httpx.MockTransport, *, limits: FetchLimits = QUICK, clock: FakeClock | None = None
) -> Fetcher:
    return Fetcher(limits=limits, transport=handler, clock=clock or FakeClock())


# --- SSRF policy, loopback not allowed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "private_address"),
        ("127.0.0.2", "private_address"),
        ("10.0.0.1", "private_address"),
        ("172.16.0.1", "private_address"),
        ("192.168.0.1", "private_address"),
        ("169.254.169.254", "private_address"),
        ("100.64.0.1", "private_address"),
        ("0.0.0.0", "private_address"),
        ("224.0.0.1", "private_address"),
        ("[::1]", "private_address"),
        ("[::]", "private_address"),
        ("[fc00::1]", "private_address"),
        ("[fd00::1]", "private_address"),
        ("[fe80::1]", "private_address"),
        ("[::ffff:127.0.0.1]", "private_address"),
        ("[::ffff:a9fe:a9fe]", "private_address"),
        ("[64:ff9b::7f00:1]", "private_address"),
        ("[2002:7f00:1::]", "private_address"),
        ("2130706433", "private_address"),
        ("0x7f.1", "private_address"),
        ("0x7f000001", "private_address"),
        ("127.1", "private_address"),
        ("0177.1", "private_address"),
        ("017700000001", "private_address"),
        ("127.0.0.1.", "private_address"),
        # httpx's own URL parser rejects dotted quads with leading zeros, before the address is judged.
        ("0177.0.0.1", "invalid_url"),
    ],
)
async def test_non_public_hosts_are_refused_without_a_connection(
    server: LocalServer, host: str, reason: str
) -> None:
    server.route("/doc", {"ok": True})
    resolver = StubResolver({})
    async with Fetcher(limits=QUICK, resolver=resolver) as fetcher:
        assert await refusal(fetcher, f"http://{host}:{server.port}/doc") == reason
        assert await refusal(fetcher, f"http://{host}/doc") == reason
    assert server.requests == []
    assert resolver.calls == []


@pytest.mark.parametrize(
    "addresses",
    [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["::1"], ["169.254.169.254"], ["::ffff:127.0.0.1"]],
)
async def test_a_public_looking_name_resolving_to_a_private_address_is_refused(addresses: list[str]) -> None:
    resolver = StubResolver({"issuer.example": addresses})
    async with Fetcher(limits=QUICK, resolver=resolver) as fetcher:
        assert await refusal(fetcher, "http://issuer.example:8080/badge") == "private_address"
    assert resolver.calls == ["issuer.example"]


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.2:{port}/inside", "http://[::1]:{port}/inside", "http://rebind.example:8080/inside"],
)
async def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused_at_the_hop(
    server: LocalServer, location: str
) -> None:
    server.redirect("/start", location.format(port=server.port))
    server.route("/inside", {"secret": True})
    policy = FetchPolicy(allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}))
    resolver = StubResolver({"rebind.example": ["127.0.0.1"]})
    async with Fetcher(policy=policy, limits=QUICK, resolver=resolver) as fetcher:
        assert await refusal(fetcher, server.url("/start")) == "private_address"
    assert server.requests == ["/start"]


async def test_allowed_hosts_open_exactly_one_host_and_port(server: LocalServer) -> None:
    server.route("/doc", {"ok": True})
    policy = FetchPolicy(allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}))
    async with Fetcher(policy=policy, limits=QUICK) as fetcher:
        assert (await fetcher.fetch(server.url("/doc"))).status == 200
        assert await refusal(fetcher, f"http://localhost:{server.port}/doc") == "bad_port"
        assert await refusal(fetcher, f"http://127.0.0.1:{server.port + 1}/doc") == "private_address"
    assert server.requests == ["/doc"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/badge", "bad_scheme"),
        ("file:///etc/passwd", "bad_scheme"),
        ("gopher://example.com:70/", "bad_scheme"),
        ("javascript:alert(1)", "bad_scheme"),
        ("//example.com/badge", "invalid_url"),
        ("/badge", "invalid_url"),
        ("http:///badge", "invalid_url"),
        ("http://exa mple.com/", "invalid_url"),
        ("http://example.123/", "invalid_url"),
        ("http://example.com:22/", "bad_port"),
        ("http://example.com:6379/", "bad_port"),
        ("https://example.com:8081/", "bad_port"),
        ("http://user:secret@example.com/", "credentials_in_url"),
        ("http://user@example.com/", "credentials_in_url"),
    ],
)
async def test_urls_outside_the_policy_are_refused_before_resolving(url: str, reason: str) -> None:
    resolver = StubResolver({"example.com": ["93.184.216.34"]})
    async with Fetcher(limits=QUICK, resolver=resolver) as fetcher:
        assert await refusal(fetcher, url) == reason
    assert resolver.calls == []


async def test_a_redirect_from_https_to_http_is_refused() -> None:
    seen: list[str] = []

    def issuer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://issuer.example/badge"})

    async with mock_fetcher(httpx.MockTransport(issuer)) as fetcher:
        assert await refusal(fetcher, "https://issuer.example/badge") == "https_downgrade"
    assert seen == ["https://issuer.example/badge"]


@pytest.mark.parametrize("entry", ["Issuer.example:443", "issuer.example", "issuer.example:https", ""])
def test_allowed_hosts_must_be_lower_case_host_and_port(entry: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        FetchPolicy(allowed_hosts=frozenset({entry}))


# --- connections --------------------------------------------------------------------------------------


async def test_connects_to_the_resolved_address_and_sends_the_name_as_host(server: LocalServer) -> None:
    hosts: list[str] = []

    def record(request: Request) -> Response:
        hosts.append(request.headers["host"])
        return Response({"ok": True})

    server.handler("/doc", record)
    resolver = StubResolver({"issuer.example": ["127.0.0.1"]})
    async with Fetcher(policy=LOOPBACK, limits=QUICK, resolver=resolver) as fetcher:
        url = f"http://issuer.example:{server.port}/doc"
        first = await fetcher.fetch(url)
        await fetcher.fetch(url)
    assert first == FetchResult(url, 200, "application/json", b'{"ok": true}')
    assert hosts == [f"issuer.example:{server.port}"] * 2
    # The kept-alive connection is reused, so the name was resolved once for both fetches.
    assert resolver.calls == ["issuer.example"]


async def test_an_unknown_name_fails_as_dns() -> None:
    async with Fetcher(limits=QUICK, resolver=StubResolver({"empty.example": []})) as fetcher:
        assert await failure(fetcher, "https://missing.example/badge") == "dns"
        assert await failure(fetcher, "https://empty.example/badge") == "dns"


async def test_a_closed_port_fails_as_connect_error(fetcher: Fetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert await failure(fetcher, f"http://127.0.0.1:{port}/") == "connect_error"


# --- responses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_error_statuses_are_returned_with_their_body(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    server.route("/gone", {"revocationReason": "fraud"}, status=status, content_type="application/ld+json")
    result = await fetcher.fetch(server.url("/gone"))
    assert (result.status, result.content_type, result.body) == (
        status,
        "application/ld+json",
        b'{"revocationReason": "fraud"}',
    )


async def test_content_type_parameters_are_dropped(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/doc", "{}", content_type="Application/JSON; charset=utf-8")
    server.route("/bare", "{}", content_type="")
    assert (await fetcher.fetch(server.url("/doc"))).content_type == "application/json"
    assert (await fetcher.fetch(server.url("/bare"))).content_type == ""


async def test_documents_and_images_ask_for_their_media_types(server: LocalServer, fetcher: Fetcher) -> None:
    accepts: list[str] = []

    def record(request: Request) -> Response:
        accepts.append(request.headers["accept"])
        return Response(b"")

    server.handler("/x", record)
    await fetcher.fetch(server.url("/x"))
    await fetcher.fetch(server.url("/x"), kind="image")
    assert accepts == [DOCUMENT_ACCEPT, IMAGE_ACCEPT]
    assert DOCUMENT_ACCEPT == "application/ld+json, application/json"


async def test_cookies_set_by_one_issuer_are_never_sent_back(server: LocalServer, fetcher: Fetcher) -> None:
    cookies: list[str | None] = []

    def record(request: Request) -> Response:
        cookies.append(request.headers.get("cookie"))
        return Response(b"{}", headers={"Set-Cookie": "session=abc; Path=/"})

    server.handler("/doc", record)
    await fetcher.fetch(server.url("/doc"))
    await fetcher.fetch(server.url("/doc"))
    assert cookies == [None, None]


async def test_redirects_are_followed_to_the_final_url(server: LocalServer, fetcher: Fetcher) -> None:
    for hop, status in enumerate((301, 302, 303, 307, 308)):
        server.redirect(f"/r{hop}", f"/r{hop + 1}" if hop < 4 else server.url("/final"), status=status)
    server.route("/final", {"id": "final"})
    result = await fetcher.fetch(server.url("/r0"))
    assert (result.url, result.status) == (server.url("/final"), 200)
    assert server.requests == ["/r0", "/r1", "/r2", "/r3", "/r4", "/final"]


async def test_a_redirect_loop_stops_after_five_redirects(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    assert await failure(fetcher, server.url("/a")) == "too_many_redirects"
    assert len(server.requests) == 6


async def test_a_redirect_without_location_is_returned(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/odd", b"", status=302)
    assert (await fetcher.fetch(server.url("/odd"))).status == 302


# --- size limits -------------------------------------------------------------------------------------


async def test_a_declared_20_mib_body_is_refused_before_reading(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.route("/huge", b"x" * (20 * MiB))
    started = time.perf_counter()
    assert await failure(fetcher, server.url("/huge")) == "too_large"
    assert time.perf_counter() - started < 1.0


async def test_a_chunked_20_mib_body_stops_at_the_cap(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/huge", b"x" * (20 * MiB), chunked=True)
    tracemalloc.start()
    try:
        assert await failure(fetcher, server.url("/huge")) == "too_large"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MiB


async def test_images_have_a_larger_cap_than_documents(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/png", b"\x89PNG" + b"\0" * (2 * MiB), content_type="image/png")
    assert len((await fetcher.fetch(server.url("/png"), kind="image")).body) == 2 * MiB + 4
    assert await failure(fetcher, server.url("/png")) == "too_large"


async def test_bodies_exactly_at_the_cap_are_accepted(server: LocalServer) -> None:
    server.route("/doc", b"x" * 1000, chunked=True)
    limits = FetchLimits(max_document_bytes=1000)
    async with Fetcher(policy=LOOPBACK, limits=limits) as fetcher:
        assert len((await fetcher.fetch(server.url("/doc"))).body) == 1000
        server.route("/doc", b"x" * 1001, chunked=True)
        assert await failure(fetcher, server.url("/doc")) == "too_large"


async def test_a_gzip_bomb_stops_early_without_inflating(server: LocalServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"\0" * (32 * MiB), compresslevel=9)
    server.route("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        assert await failure(fetcher, server.url("/bomb")) == "too_large"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(bomb) < 100_000
    assert peak < 4 * MiB


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(b'{"a": 1}')),
        ("deflate", zlib.compress(b'{"a": 1}')),
        ("identity", b'{"a": 1}'),
    ],
)
async def test_compressed_bodies_are_decoded(
    server: LocalServer, fetcher: Fetcher, encoding: str, body: bytes
) -> None:
    server.route("/doc", body, headers={"Content-Encoding": encoding})
    assert (await fetcher.fetch(server.url("/doc"))).body == b'{"a": 1}'


@pytest.mark.parametrize(
    ("encoding", "body"),
    [("br", b"\x0b\x02\x80{}\x03"), ("gzip", gzip.compress(b'{"a": 1}')[:-12]), ("gzip", b"not gzip")],
)
async def test_unsupported_or_corrupt_encodings_fail(
    server: LocalServer, fetcher: Fetcher, encoding: str, body: bytes
) -> None:
    server.route("/doc", body, headers={"Content-Encoding": encoding})
    assert await failure(fetcher, server.url("/doc")) == "http_error"


# --- time limits -------------------------------------------------------------------------------------


async def test_a_server_slower_than_the_read_timeout_fails_as_timeout(server: LocalServer) -> None:
    server.route("/slow", {"ok": True}, delay=2.0)
    limits = FetchLimits(read_timeout=0.2, total_timeout=5.0)
    async with Fetcher(policy=LOOPBACK, limits=limits) as fetcher:
        started = time.perf_counter()
        assert await failure(fetcher, server.url("/slow")) == "timeout"
    assert time.perf_counter() - started < 1.0


async def test_a_slow_drip_body_stops_at_the_total_deadline(server: LocalServer) -> None:
    # Each byte arrives well within the read timeout; only the total deadline can stop it.
    server.route("/drip", b"x" * 200, drip_interval=0.02)
    limits = FetchLimits(read_timeout=1.0, total_timeout=0.3)
    async with Fetcher(policy=LOOPBACK, limits=limits) as fetcher:
        started = time.perf_counter()
        assert await failure(fetcher, server.url("/drip")) == "timeout"
    assert 0.25 < time.perf_counter() - started < 1.0


# --- budgets and concurrency -------------------------------------------------------------------------


async def test_a_session_stops_at_its_fetch_budget(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/doc", {"ok": True})
    session = fetcher.session(max_fetches=2)
    await session.fetch(server.url("/doc"))
    await session.fetch(server.url("/doc"))
    with pytest.raises(FetchFailed) as caught:
        await session.fetch(server.url("/doc"))
    assert caught.value.reason == "fetch_budget"
    assert server.requests == ["/doc", "/doc"]
    # The budget belongs to the session, not the fetcher.
    assert (await fetcher.session(max_fetches=1).fetch(server.url("/doc"))).status == 200


async def test_cache_hits_do_not_spend_the_budget(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/issuer", {"id": "issuer"})
    session = fetcher.session(max_fetches=1)
    for _ in range(3):
        await session.fetch(server.url("/issuer"), cache=True)
    assert server.requests == ["/issuer"]


async def test_refusals_do_not_spend_the_budget(server: LocalServer, fetcher: Fetcher) -> None:
    server.route("/doc", {})
    session = fetcher.session(max_fetches=1)
    with pytest.raises(FetchRefused):
        await session.fetch("ftp://example.com/")
    assert (await session.fetch(server.url("/doc"))).status == 200


async def test_global_concurrency_is_limited(server: LocalServer) -> None:
    server.route("/doc", {})
    server.latency = 0.05
    limits = FetchLimits(max_concurrency=3, max_per_host=10)
    async with Fetcher(policy=LOOPBACK, limits=limits) as fetcher:
        await asyncio.gather(*(fetcher.fetch(server.url(f"/doc?{n}")) for n in range(9)))
    assert server.max_concurrent == 3


async def test_concurrency_per_host_is_limited_separately(server: LocalServer) -> None:
    server.route("/doc", {})
    server.latency = 0.05
    resolver = StubResolver({"one.example": ["127.0.0.1"], "two.example": ["127.0.0.1"]})
    limits = FetchLimits(max_concurrency=10, max_per_host=2)
    async with Fetcher(policy=LOOPBACK, limits=limits, resolver=resolver) as fetcher:
        urls = [f"http://{host}.example:{server.port}/doc?{n}" for host in ("one", "two") for n in range(4)]
        await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    # Two hosts, two each: four at once on the one server behind both names.
    assert server.max_concurrent == 4


async def test_concurrent_cached_fetches_of_one_url_share_one_request(server: LocalServer) -> None:
    server.route("/issuer", {"id": "issuer"})
    server.latency = 0.05
    async with Fetcher(policy=LOOPBACK, limits=QUICK) as fetcher:
        session = fetcher.session(max_fetches=1)
        results = await asyncio.gather(*(session.fetch(server.url("/issuer"), cache=True) for _ in range(5)))
    assert len(set(results)) == 1
    assert server.requests == ["/issuer"]


# --- cache -------------------------------------------------------------------------------------------


class CountingIssuer:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return httpx.Response(self.status, json={"path": request.url.path})


async def test_cached_results_are_reused_until_the_ttl_passes() -> None:
    issuer, clock = CountingIssuer(), FakeClock()
    limits = FetchLimits(cache_ttl=60.0)
    async with mock_fetcher(httpx.MockTransport(issuer), limits=limits, clock=clock) as fetcher:
        first = await fetcher.fetch("https://issuer.example/profile", cache=True)
        clock.now += 59.9
        assert await fetcher.fetch("https://issuer.example/profile", cache=True) == first
        assert issuer.paths == ["/profile"]
        clock.now += 0.1
        await fetcher.fetch("https://issuer.example/profile", cache=True)
        assert issuer.paths == ["/profile", "/profile"]


async def test_uncached_fetches_always_reach_the_issuer() -> None:
    issuer = CountingIssuer()
    async with mock_fetcher(httpx.MockTransport(issuer)) as fetcher:
        await fetcher.fetch("https://issuer.example/assertion", cache=True)
        await fetcher.fetch("https://issuer.example/assertion")
        await fetcher.fetch("https://issuer.example/assertion")
    assert issuer.paths == ["/assertion"] * 3


async def test_error_statuses_are_not_cached() -> None:
    issuer = CountingIssuer(status=503)
    async with mock_fetcher(httpx.MockTransport(issuer)) as fetcher:
        await fetcher.fetch("https://issuer.example/profile", cache=True)
        await fetcher.fetch("https://issuer.example/profile", cache=True)
    assert issuer.paths == ["/profile"] * 2


async def test_the_cache_evicts_the_least_recently_used_entry() -> None:
    issuer = CountingIssuer()
    limits = FetchLimits(max_cache_entries=2)
    async with mock_fetcher(httpx.MockTransport(issuer), limits=limits) as fetcher:
        for path in ("/a", "/b", "/a", "/c", "/a", "/b"):
            await fetcher.fetch(f"https://issuer.example{path}", cache=True)
    # /b was least recently used when /c arrived, so only /b is fetched twice.
    assert issuer.paths == ["/a", "/b", "/c", "/b"]


async def test_the_cache_is_bounded_by_bytes() -> None:
    issuer = CountingIssuer()
    body_size = len(b'{"path":"/a"}')
    limits = FetchLimits(max_cache_bytes=body_size * 2)
    async with mock_fetcher(httpx.MockTransport(issuer), limits=limits) as fetcher:
        for path in ("/a", "/b", "/c", "/a"):
            await fetcher.fetch(f"https://issuer.example{path}", cache=True)
    assert issuer.paths == ["/a", "/b", "/c", "/a"]


async def test_documents_and_images_are_cached_apart() -> None:
    issuer = CountingIssuer()
    async with mock_fetcher(httpx.MockTransport(issuer)) as fetcher:
        await fetcher.fetch("https://issuer.example/x", cache=True)
        await fetcher.fetch("https://issuer.example/x", kind="image", cache=True)
    assert issuer.paths == ["/x", "/x"]
