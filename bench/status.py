"""Status list benchmark: what ``StatusChecker`` costs per credential, cold and cached.

Serves Bitstring status list credentials from a threaded HTTP server on 127.0.0.1 (each response delayed by
--latency-ms) and measures:

- a cold check: fetch, proof check (an HMAC stand-in, so the figure is the checker's own work; Data Integrity
  proofs add their verification time once per list) and GZIP inflation of a 16 KiB and a 2 MiB list;
- a cached check: median and 99th percentile over --repeat checks of a cached list (target <= 1 ms);
- a burst: --credentials credentials spread over --lists lists, checked concurrently from a cold cache, with
  the number of list fetches (one per list when concurrent checks share a fetch).

    .venv/bin/python bench/status.py
    .venv/bin/python bench/status.py --repeat 2000 --credentials 1000 --lists 20 --latency-ms 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.verification import Fetcher, FetchPolicy  # noqa: E402
from bot.verification.vc.status import StatusChecker  # noqa: E402
from tests.support.http_server import LocalServer  # noqa: E402
from tests.support.status_lists import (  # noqa: E402
    ISSUER,
    HmacLists,
    bits,
    bitstring_credential,
    bitstring_entry,
    credential,
    encoded_list,
)

SMALL = 131_072  # entries: 16 KiB
LARGE = 16 * 1024 * 1024  # entries: 2 MiB, the inflation cap


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


async def _cold(server: LocalServer, fetcher: Fetcher, lists: HmacLists, length: int, label: str) -> None:
    path = f"/status/{label}"
    url = server.url(path)
    revoked = random.Random(length).sample(range(length), 200)
    encoded = encoded_list(bits(revoked, length=length))
    server.route(path, lists.sign(bitstring_credential(url, encoded=encoded)))
    timings = []
    for _ in range(5):
        checker = StatusChecker()
        started = time.perf_counter()
        result = await checker.check(
            credential(bitstring_entry(url, revoked[0])),
            issuer_id=ISSUER,
            session=fetcher.session(),
            verify_list=lists,
        )
        timings.append(time.perf_counter() - started)
        assert result.state == "revoked", result
    wire = len(encoded)
    print(f"cold check, {label} list ({wire:,} characters encoded): median {_ms(statistics.median(timings))}")


async def _cached(server: LocalServer, fetcher: Fetcher, lists: HmacLists, repeat: int) -> None:
    url = server.url("/status/cached")
    server.route("/status/cached", lists.sign(bitstring_credential(url, revoked=range(0, SMALL, 3))))
    checker = StatusChecker()
    session = fetcher.session()
    documents = [credential(bitstring_entry(url, index)) for index in range(repeat)]
    await checker.check(documents[0], issuer_id=ISSUER, session=session, verify_list=lists)
    timings = []
    for document in documents:
        started = time.perf_counter()
        await checker.check(document, issuer_id=ISSUER, session=session, verify_list=lists)
        timings.append(time.perf_counter() - started)
    timings.sort()
    median, p99 = statistics.median(timings), timings[int(len(timings) * 0.99)]
    verdict = "meets" if median <= 0.001 else "MISSES"
    print(f"cached check ({repeat} checks): median {_ms(median)}, p99 {_ms(p99)} ({verdict} the 1 ms target)")


async def _burst(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists, count: int, list_count: int
) -> None:
    urls = []
    for number in range(list_count):
        path = f"/status/burst/{number}"
        urls.append(server.url(path))
        server.route(path, lists.sign(bitstring_credential(urls[-1], revoked=range(0, SMALL, 7))))
    before = len(server.requests)
    checker = StatusChecker()
    documents = [credential(bitstring_entry(urls[index % list_count], index)) for index in range(count)]
    started = time.perf_counter()
    results = await asyncio.gather(
        *(
            checker.check(document, issuer_id=ISSUER, session=fetcher.session(), verify_list=lists)
            for document in documents
        )
    )
    elapsed = time.perf_counter() - started
    revoked = sum(result.state == "revoked" for result in results)
    fetches = len(server.requests) - before
    print(
        f"burst: {count} credentials over {list_count} lists in {_ms(elapsed)} "
        f"({count / elapsed:,.0f} checks/s), {fetches} list fetches, {revoked} revoked"
    )


async def _main(args: argparse.Namespace) -> None:
    lists = HmacLists()
    with LocalServer() as server:
        server.latency = args.latency_ms / 1000
        async with Fetcher(policy=FetchPolicy(allow_private_networks=True)) as fetcher:
            await _cold(server, fetcher, lists, SMALL, "16KiB")
            await _cold(server, fetcher, lists, LARGE, "2MiB")
            await _cached(server, fetcher, lists, args.repeat)
            await _burst(server, fetcher, lists, args.credentials, args.lists)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5000, help="cached checks to time (default 5000)")
    parser.add_argument(
        "--credentials", type=int, default=1000, help="credentials in the burst (default 1000)"
    )
    parser.add_argument("--lists", type=int, default=20, help="status lists in the burst (default 20)")
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="server delay per response (default 20)"
    )
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
