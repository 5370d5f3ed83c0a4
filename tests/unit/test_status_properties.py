"""Whatever a credential's status entries hold and whatever a list URL serves, ``check`` answers a result,
and an entry that needs a list is never "ok" when that list cannot be verified."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Mapping
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.verification.fetcher import Fetcher, FetchSession
from bot.verification.vc.status import StatusChecker, StatusResult
from tests.support.status_lists import ISSUER, HmacLists, bitstring_credential, encoded_list

LIST_URL = "https://lists.example/status/1"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
entry_types = st.sampled_from(
    ["BitstringStatusListEntry", "StatusList2021Entry", "1EdTechRevocationList", "RevocationList2020Status"]
)
entries = st.fixed_dictionaries(
    {"type": entry_types | json_values},
    optional={
        "id": st.just(LIST_URL) | json_values,
        "statusPurpose": st.sampled_from(["revocation", "suspension", "Revocation", "message"]) | json_values,
        "statusListIndex": st.integers(-2, 200_000) | st.sampled_from(["0", "7", "1e3", " 5 "]) | json_values,
        "statusListCredential": st.just(LIST_URL) | json_values,
        "statusSize": st.integers(-1, 12) | json_values,
    },
)
status_values = entries | st.lists(entries, max_size=10) | json_values
SIGNED = HmacLists().sign(bitstring_credential(LIST_URL, revoked=[7]))
bodies = st.sampled_from(
    [
        b"",
        b"{}",
        b"not json",
        b"a.b.c",
        gzip.compress(b"\x00" * 100),
        str(SIGNED).encode(),
        httpx.Response(200, json=SIGNED).content,
        httpx.Response(200, json={**SIGNED, "credentialSubject": {"encodedList": "u!!"}}).content,
        httpx.Response(200, json={"issuer": ISSUER, "revokedCredentials": ["urn:x"]}).content,
        httpx.Response(200, json={"issuer": ISSUER, "revokedCredentials": 5}).content,
        httpx.Response(200, json={**SIGNED, "credentialSubject": {"encodedList": encoded_list(b"")}}).content,
    ]
) | st.binary(max_size=64)


async def _check(status: Any, body: bytes, http_status: int, verify: Any) -> StatusResult:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(http_status, content=body)

    async with Fetcher(transport=httpx.MockTransport(answer)) as fetcher:
        document = {"id": "urn:x", "issuer": ISSUER, "credentialStatus": status}
        return await StatusChecker().check(
            document, issuer_id=ISSUER, session=fetcher.session(), verify_list=verify
        )


async def _rejects(document: Mapping[str, Any] | str, session: FetchSession) -> Mapping[str, Any] | None:
    return None


@SETTINGS
@given(status=status_values, body=bodies, http_status=st.sampled_from([200, 404, 500]))
def test_any_status_entry_and_any_list_give_a_result(status: Any, body: bytes, http_status: int) -> None:
    result = asyncio.run(_check(status, body, http_status, HmacLists()))

    assert isinstance(result, StatusResult)
    assert result.state in ("ok", "revoked", "suspended", "unknown")
    assert result.reason and result.detail


@SETTINGS
@given(index=st.integers(0, 1000), purpose=st.sampled_from(["revocation", "suspension"]), body=bodies)
def test_a_list_that_does_not_verify_never_reads_as_not_revoked(
    index: int, purpose: str, body: bytes
) -> None:
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }

    result = asyncio.run(_check(entry, body, 200, _rejects))

    assert result.state == "unknown"
