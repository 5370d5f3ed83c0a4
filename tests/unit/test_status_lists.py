"""Credential status lists: Bitstring, StatusList2021 and 1EdTech revocation lists, served for real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from bot.verification.fetcher import Fetcher
from bot.verification.vc.status import StatusChecker, StatusResult
from bot.verification.vc.status_lists import MAX_LIST_BYTES
from tests.support.clock import FakeClock
from tests.support.http_server import LocalServer
from tests.support.issuer import loopback_fetcher
from tests.support.status_lists import (
    ISSUER,
    OTHER_ISSUER,
    HmacLists,
    bits,
    bitstring_credential,
    bitstring_entry,
    credential,
    encoded_list,
)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with loopback_fetcher() as fetcher:
        yield fetcher


@pytest.fixture
def lists() -> HmacLists:
    return HmacLists()


async def check(
    checker: StatusChecker,
    document: Mapping[str, Any],
    fetcher: Fetcher,
    lists: HmacLists,
    *,
    budget: int = 8,
) -> StatusResult:
    return await checker.check(document, issuer_id=ISSUER, session=fetcher.session(budget), verify_list=lists)


def publish(server: LocalServer, lists: HmacLists, path: str = "/status/1", **options: Any) -> str:
    url = server.url(path)
    server.route(path, lists.sign(bitstring_credential(url, **options)))
    return url


# Bitstring Status List


async def test_a_credential_without_status_stands(fetcher: Fetcher, lists: HmacLists) -> None:
    result = await check(StatusChecker(), credential(), fetcher, lists)
    assert (result.state, result.reason) == ("ok", "no_status")


async def test_a_clear_bit_is_not_revoked_and_a_set_bit_is(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, revoked=[94567])
    checker = StatusChecker()

    clear = await check(checker, credential(bitstring_entry(url, 94566)), fetcher, lists)
    revoked = await check(checker, credential(bitstring_entry(url, 94567)), fetcher, lists)

    assert (clear.state, clear.reason) == ("ok", "not_revoked")
    assert (revoked.state, revoked.reason) == ("revoked", "revoked_status")


async def test_bit_zero_is_the_most_significant_bit_of_the_first_byte(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/status/msb")
    field = bytearray(16384)
    field[0] = 0b1000_0000
    server.route("/status/msb", lists.sign(bitstring_credential(url, encoded=encoded_list(bytes(field)))))
    checker = StatusChecker()

    assert (await check(checker, credential(bitstring_entry(url, 0)), fetcher, lists)).state == "revoked"
    assert (await check(checker, credential(bitstring_entry(url, 7)), fetcher, lists)).state == "ok"


async def test_a_suspension_list_suspends(server: LocalServer, fetcher: Fetcher, lists: HmacLists) -> None:
    url = publish(server, lists, revoked=[3], purpose="suspension")
    entry = bitstring_entry(url, 3, purpose="suspension")

    result = await check(StatusChecker(), credential(entry), fetcher, lists)

    assert (result.state, result.reason) == ("suspended", "suspended_status")


async def test_multi_bit_entries_read_status_size_bits(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/status/wide")
    encoded = encoded_list(bits([5], status_size=2, value=0b10))
    server.route("/status/wide", lists.sign(bitstring_credential(url, encoded=encoded)))
    checker = StatusChecker()

    marked = await check(checker, credential(bitstring_entry(url, 5, statusSize=2)), fetcher, lists)
    neighbour = await check(checker, credential(bitstring_entry(url, 4, statusSize=2)), fetcher, lists)

    assert (marked.state, neighbour.state) == ("revoked", "ok")


async def test_a_status_list_2021_entry_reads_a_list_without_multibase_prefix(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/status/2021")
    document = bitstring_credential(
        url, kind="StatusList2021Credential", encoded=encoded_list(bits([12]), multibase=False)
    )
    server.route("/status/2021", lists.sign(document))
    entry = {**bitstring_entry(url, 12), "type": "StatusList2021Entry"}

    result = await check(StatusChecker(), credential(entry), fetcher, lists)

    assert result.state == "revoked"


async def test_a_list_served_as_a_vc_jwt_is_verified_as_text(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/status/jwt")
    token = lists.jwt(bitstring_credential(url, revoked=[9]))
    server.route("/status/jwt", token, content_type="application/vc+jwt")

    result = await check(StatusChecker(), credential(bitstring_entry(url, 9)), fetcher, lists)

    assert result.state == "revoked"


async def test_message_and_refresh_entries_do_not_affect_validity_and_fetch_nothing(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    entry = bitstring_entry(server.url("/status/messages"), 1, purpose="message")

    result = await check(StatusChecker(), credential(entry), fetcher, lists)

    assert result.state == "ok"
    assert server.requests == []


# Never "not revoked" when the list cannot be trusted


async def test_a_missing_list_is_unknown(server: LocalServer, fetcher: Fetcher, lists: HmacLists) -> None:
    result = await check(StatusChecker(), credential(bitstring_entry(server.url("/gone"), 1)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_list_unreachable")
    assert "404" in result.detail


async def test_a_list_the_fetch_policy_refuses_is_unknown(server: LocalServer, lists: HmacLists) -> None:
    url = publish(server, lists)
    async with Fetcher() as public_only:
        result = await check(StatusChecker(), credential(bitstring_entry(url, 1)), public_only, lists)

    assert (result.state, result.reason) == ("unknown", "status_list_unreachable")


async def test_a_list_signed_by_another_issuer_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, issuer=OTHER_ISSUER)

    result = await check(StatusChecker(), credential(bitstring_entry(url, 1)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_list_issuer_mismatch")


async def test_a_tampered_encoded_list_does_not_verify(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/status/1")
    signed = lists.sign(bitstring_credential(url, revoked=[1]))
    signed["credentialSubject"]["encodedList"] = encoded_list(bits([]))
    server.route("/status/1", signed)

    result = await check(StatusChecker(), credential(bitstring_entry(url, 1)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_list_unverified")


@pytest.mark.parametrize(
    ("encoded", "why"),
    [
        ("u" + "!" * 20, "not base64url"),
        ("u" + encoded_list(b"\x00" * 100)[1:-4], "truncated"),
        ("uAAAAAAAAAAAAAAAAAAA", "not GZIP"),
        (encoded_list(b"\x00" * (MAX_LIST_BYTES + 1)), "inflates past the cap"),
    ],
)
async def test_a_broken_encoded_list_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists, encoded: str, why: str
) -> None:
    url = publish(server, lists, encoded=encoded)

    result = await check(StatusChecker(), credential(bitstring_entry(url, 1)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_list_malformed"), why


async def test_an_index_past_the_end_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists)

    result = await check(StatusChecker(), credential(bitstring_entry(url, 131_072)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_index_out_of_range")


async def test_a_list_for_another_purpose_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, purpose="suspension")

    result = await check(StatusChecker(), credential(bitstring_entry(url, 1)), fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_purpose_mismatch")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ({"type": "RevocationList2020Status", "revocationListIndex": "1"}, "status_type_unsupported"),
        ({"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}, "status_entry_malformed"),
        ("https://issuer.example/status", "status_entry_malformed"),
        ([], "status_entry_malformed"),
    ],
)
async def test_entries_credcord_cannot_read_are_unknown(
    fetcher: Fetcher, lists: HmacLists, status: Any, reason: str
) -> None:
    document = {**credential(), "credentialStatus": status}

    result = await check(StatusChecker(), document, fetcher, lists)

    assert (result.state, result.reason) == ("unknown", reason)


async def test_a_body_that_is_neither_json_nor_a_jwt_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    server.route("/status/html", "<html>status</html>", content_type="text/html")

    result = await check(
        StatusChecker(), credential(bitstring_entry(server.url("/status/html"), 1)), fetcher, lists
    )

    assert (result.state, result.reason) == ("unknown", "status_list_malformed")


# Several entries


async def test_the_worst_entry_decides(server: LocalServer, fetcher: Fetcher, lists: HmacLists) -> None:
    url = publish(server, lists, revoked=[2])
    unreachable = bitstring_entry(server.url("/gone"), 1)
    checker = StatusChecker()

    revoked = await check(checker, credential(unreachable, bitstring_entry(url, 2)), fetcher, lists)
    unknown = await check(checker, credential(bitstring_entry(url, 1), unreachable), fetcher, lists)
    fine = await check(checker, credential(bitstring_entry(url, 1), bitstring_entry(url, 3)), fetcher, lists)

    assert (revoked.state, unknown.state, fine.state) == ("revoked", "unknown", "ok")


# 1EdTech revocation lists


def revocation_list(url: str, *revoked: Any, issuer: str = ISSUER) -> dict[str, Any]:
    return {"id": url, "issuer": issuer, "revokedCredentials": list(revoked)}


async def test_a_1edtech_list_naming_the_credential_revokes_it_with_the_reason(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/revocations")
    revoked = {"id": "urn:uuid:0c4c9f5e-1", "revocationReason": "Issued in error"}
    server.route("/revocations", revocation_list(url, "urn:uuid:other", revoked))
    entry = {"id": url, "type": "1EdTechRevocationList"}
    checker = StatusChecker()

    named = await check(checker, credential(entry), fetcher, lists)
    other = await check(checker, credential(entry, credential_id="urn:uuid:someone-else"), fetcher, lists)

    assert (named.state, named.reason) == ("revoked", "revoked_status")
    assert "Issued in error" in named.detail
    assert other.state == "ok"


async def test_a_1edtech_list_of_another_issuer_is_unknown(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/revocations")
    server.route("/revocations", revocation_list(url, issuer=OTHER_ISSUER))

    result = await check(
        StatusChecker(), credential({"id": url, "type": "1EdTechRevocationList"}), fetcher, lists
    )

    assert (result.state, result.reason) == ("unknown", "status_list_issuer_mismatch")


async def test_a_signed_1edtech_list_must_verify(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = server.url("/revocations")
    forged = {**lists.sign(revocation_list(url, "urn:uuid:0c4c9f5e-1")), "revokedCredentials": []}
    server.route("/revocations", forged)

    result = await check(
        StatusChecker(), credential({"id": url, "type": "1EdTechRevocationList"}), fetcher, lists
    )

    assert (result.state, result.reason) == ("unknown", "status_list_unverified")


async def test_a_credential_without_an_id_cannot_be_looked_up(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    document = credential({"id": server.url("/revocations"), "type": "1EdTechRevocationList"})
    del document["id"]

    result = await check(StatusChecker(), document, fetcher, lists)

    assert (result.state, result.reason) == ("unknown", "status_entry_malformed")
    assert server.requests == []


# Caching


async def test_a_cached_list_is_neither_fetched_nor_verified_again(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, revoked=[5])
    checker = StatusChecker()

    for index in range(20):
        await check(checker, credential(bitstring_entry(url, index)), fetcher, lists)

    assert server.requests == ["/status/1"]
    assert lists.calls == 1


async def test_a_list_is_fetched_again_after_its_ttl(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists)
    clock = FakeClock()
    checker = StatusChecker(clock=clock, ttl=60)
    document = credential(bitstring_entry(url, 5))

    await check(checker, document, fetcher, lists)
    clock.now += 59
    await check(checker, document, fetcher, lists)
    publish(server, lists, revoked=[5])
    clock.now += 2
    result = await check(checker, document, fetcher, lists)

    assert server.requests == ["/status/1", "/status/1"]
    assert result.state == "revoked"


async def test_the_lists_own_shorter_ttl_wins(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, ttl=10_000)  # milliseconds
    clock = FakeClock()
    checker = StatusChecker(clock=clock, ttl=300)
    document = credential(bitstring_entry(url, 5))

    await check(checker, document, fetcher, lists)
    clock.now += 11
    await check(checker, document, fetcher, lists)

    assert len(server.requests) == 2


async def test_the_cache_keeps_at_most_max_lists(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    first, second = publish(server, lists, "/status/1"), publish(server, lists, "/status/2")
    checker = StatusChecker(max_lists=1)

    for url in (first, second, first):
        await check(checker, credential(bitstring_entry(url, 1)), fetcher, lists)

    assert server.requests == ["/status/1", "/status/2", "/status/1"]


async def test_a_failed_list_is_not_cached(server: LocalServer, fetcher: Fetcher, lists: HmacLists) -> None:
    url = server.url("/status/1")
    checker = StatusChecker()
    document = credential(bitstring_entry(url, 1))

    first = await check(checker, document, fetcher, lists)
    publish(server, lists)
    second = await check(checker, document, fetcher, lists)

    assert (first.state, second.state) == ("unknown", "ok")


async def test_concurrent_checks_share_one_fetch(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists, revoked=[3])
    checker = StatusChecker()

    results = await asyncio.gather(
        *(check(checker, credential(bitstring_entry(url, index)), fetcher, lists) for index in range(10))
    )

    assert [result.state for result in results] == ["ok"] * 3 + ["revoked"] + ["ok"] * 6
    assert server.requests == ["/status/1"]


async def test_a_waiter_is_not_failed_by_another_verifications_spent_budget(
    server: LocalServer, fetcher: Fetcher, lists: HmacLists
) -> None:
    url = publish(server, lists)
    checker = StatusChecker()
    document = credential(bitstring_entry(url, 1))

    spent, fresh = await asyncio.gather(
        check(checker, document, fetcher, lists, budget=0), check(checker, document, fetcher, lists)
    )

    assert (spent.state, fresh.state) == ("unknown", "ok")
