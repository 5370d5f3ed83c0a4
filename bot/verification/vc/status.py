"""Credential status: has the issuer revoked or suspended a credential since it signed it?

``StatusChecker.check`` reads a credential's ``credentialStatus`` (one entry or a list of them) and answers
a ``StatusResult``. Its ``state`` is what callers branch on; ``reason`` (in brackets) is a stable code:

    ok         there is no status entry [no_status], or every entry says the credential stands [not_revoked]
    revoked    a revocation list marks it [revoked_status]
    suspended  a suspension list marks it [suspended_status]
    unknown    an entry could not be checked, which is never read as "not revoked": the list could not be
               fetched [status_list_unreachable], is not a well-formed list [status_list_malformed], does
               not verify [status_list_unverified] or comes from another issuer [status_list_issuer_mismatch];
               the entry is malformed [status_entry_malformed], of a type credcord does not know
               [status_type_unsupported], for a purpose the list does not serve [status_purpose_mismatch]
               or past the list's end [status_index_out_of_range]

Entry types:

    BitstringStatusListEntry  W3C Bitstring Status List v1.0. The list is a BitstringStatusListCredential
                              whose ``encodedList`` is multibase base64url (``u``) of a GZIP bitstring; the
                              credential's ``statusSize`` bits start at ``statusListIndex`` × ``statusSize``,
                              bit 0 being the most significant bit of the first byte.
    StatusList2021Entry       its predecessor: a StatusList2021Credential, ``encodedList`` without prefix.
    1EdTechRevocationList     a JSON document listing ``revokedCredentials`` by id; verified too when signed.

A list credential's proof and dates are checked by the caller's ``ListVerifier``, the verifier that checked
the credential itself, and its issuer must be the credential's issuer. Verified, decoded lists are cached
(bounded in count, bytes and time) so a repeat check is a dictionary lookup and a bit read, and concurrent
checks of one list share one fetch.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from bot.verification.fetcher import FetchError, FetchSession
from bot.verification.ob2 import is_http_url, strings
from bot.verification.steps import clip
from bot.verification.vc.status_lists import (
    BITSTRING_ENTRY,
    REVOCATION_LIST_ENTRY,
    STATUS_LIST_2021_ENTRY,
    Bitstring,
    ListVerifier,
    RevocationList,
    StatusList,
    StatusUnknown,
    parse_body,
    read_bitstring,
    read_revocation_list,
)

__all__ = ["ListVerifier", "State", "StatusChecker", "StatusResult"]

State = Literal["ok", "revoked", "suspended", "unknown"]

MAX_ENTRIES: Final = 8  # status entries checked per credential; each may cost a fetch
MAX_STATUS_SIZE: Final = 8  # bits per credential
MAX_CACHE_BYTES: Final = 64 << 20

_VALIDITY_PURPOSES: Final = frozenset({"revocation", "suspension"})
# Purposes that carry information but say nothing about whether the credential still stands.
_INFORMATIVE_PURPOSES: Final = frozenset({"refresh", "message"})
_SEVERITY: Final[dict[State, int]] = {"ok": 0, "unknown": 1, "suspended": 2, "revoked": 3}
_INDEX = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class StatusResult:
    state: State
    reason: str  # stable code, see the module docstring
    detail: str  # one sentence for people; issuer text in it is clipped


@dataclass(frozen=True, slots=True)
class _Check:
    """What one ``StatusChecker.check`` was given, which every entry of the credential is checked with."""

    credential: Mapping[str, Any]
    issuer_id: str
    session: FetchSession
    verify_list: ListVerifier


class StatusChecker:
    """Checks credentialStatus entries: 1EdTechRevocationList, BitstringStatusListEntry, StatusList2021Entry.

    Caches verified, decoded lists (at most ``max_lists`` and ``max_bytes``, each for ``ttl`` seconds or
    the list's own shorter ``ttl``) so a repeat check with a cached list is well under 1 ms. GZIP inflation
    is capped. A list that cannot be fetched, parsed or verified, or whose issuer differs from the
    credential's issuer, gives state "unknown" (never "ok").
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = 300.0,
        max_lists: int = 256,
        max_bytes: int = MAX_CACHE_BYTES,
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max_lists = max_lists
        self._max_bytes = max_bytes
        self._cache: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        self._cached_bytes = 0
        self._pending: dict[tuple[str, str], asyncio.Task[StatusList | StatusUnknown]] = {}

    async def check(
        self,
        credential: Mapping[str, Any],
        *,
        issuer_id: str,
        session: FetchSession,
        verify_list: ListVerifier,
    ) -> StatusResult:
        """The credential's status by its issuer's lists; ``credential`` is the verified credential JSON."""
        status = credential.get("credentialStatus")
        if status is None:
            return StatusResult(
                "ok", "no_status", "The credential has no status entry, so it cannot be revoked."
            )
        entries = [status] if isinstance(status, Mapping) else status if isinstance(status, list) else []
        if not entries or not all(isinstance(entry, Mapping) for entry in entries):
            return _unknown("status_entry_malformed", "The credential's status entry is not an object.")
        if len(entries) > MAX_ENTRIES:
            message = (
                f"The credential has more than {MAX_ENTRIES} status entries; credcord checks at most that."
            )
            return _unknown("status_entry_malformed", message)
        job = _Check(credential, issuer_id, session, verify_list)
        results = [await self._check_entry(entry, job) for entry in entries]
        worst = max(results, key=lambda result: _SEVERITY[result.state])
        if worst.state != "ok" or len(results) == 1:
            return worst
        return StatusResult(
            "ok", "not_revoked", f"None of the credential's {len(results)} status lists marks it revoked."
        )

    async def _check_entry(self, entry: Mapping[str, Any], job: _Check) -> StatusResult:
        types = strings(entry.get("type"))
        try:
            if REVOCATION_LIST_ENTRY in types:
                return await self._check_revocation_list(entry, job)
            for entry_type in (BITSTRING_ENTRY, STATUS_LIST_2021_ENTRY):
                if entry_type in types:
                    return await self._check_bitstring(entry, entry_type, job)
        except StatusUnknown as unknown:
            return _unknown(unknown.reason, unknown.detail)
        named = clip(", ".join(types), 80) or "no type"
        return _unknown("status_type_unsupported", f"credcord cannot check a status entry of type {named}.")

    async def _check_bitstring(self, entry: Mapping[str, Any], entry_type: str, job: _Check) -> StatusResult:
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str):
            raise StatusUnknown(
                "status_entry_malformed", "The credential's status entry has no statusPurpose."
            )
        purpose = purpose.strip().lower()
        if purpose in _INFORMATIVE_PURPOSES:
            return StatusResult(
                "ok", "not_revoked", f"Its {purpose} status entry does not affect its validity."
            )
        if purpose not in _VALIDITY_PURPOSES:
            message = f"credcord cannot check a status entry for the purpose {clip(purpose, 40)!r}."
            raise StatusUnknown("status_type_unsupported", message)
        index = _index(entry.get("statusListIndex"))
        size = _status_size(entry.get("statusSize", 1))
        url = _list_url(entry.get("statusListCredential"), "statusListCredential")
        status_list = await self._list(url, entry_type, job)
        assert isinstance(status_list, Bitstring)
        _require_issuer(status_list.issuer, job.issuer_id, url)
        if purpose not in status_list.purposes:
            message = f"The status list at {clip(url)} is not a {purpose} list."
            raise StatusUnknown("status_purpose_mismatch", message)
        value = status_list.value(index, size, url)
        if value == 0:
            return StatusResult(
                "ok", "not_revoked", f"The issuer's {purpose} list does not mark it ({clip(url)})."
            )
        if purpose == "revocation":
            return StatusResult("revoked", "revoked_status", "The issuer's status list marks it revoked.")
        return StatusResult("suspended", "suspended_status", "The issuer's status list marks it suspended.")

    async def _check_revocation_list(self, entry: Mapping[str, Any], job: _Check) -> StatusResult:
        url = _list_url(entry.get("id"), "id")
        credential_id = job.credential.get("id")
        if not isinstance(credential_id, str) or not credential_id.strip():
            message = "The credential has no id to look up in its issuer's revocation list."
            raise StatusUnknown("status_entry_malformed", message)
        revocation_list = await self._list(url, REVOCATION_LIST_ENTRY, job)
        assert isinstance(revocation_list, RevocationList)
        _require_issuer(revocation_list.issuer, job.issuer_id, url)
        key = credential_id.strip()
        if key not in revocation_list.revoked:
            return StatusResult(
                "ok", "not_revoked", f"The issuer's revocation list does not name it ({clip(url)})."
            )
        reason = revocation_list.revoked[key]
        detail = "The issuer's revocation list names it"
        return StatusResult(
            "revoked", "revoked_status", f"{detail}: {clip(reason, 200)}." if reason else f"{detail}."
        )

    # Lists: cache, single flight, fetch and decode

    async def _list(self, url: str, kind: str, job: _Check) -> StatusList:
        key = (url, kind)
        cached = self._cache.get(key)
        if cached is not None:
            if cached.expires_at > self._clock():
                self._cache.move_to_end(key)
                return cached.value
            self._evict(key)
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.create_task(self._load(key, job.session, job.verify_list))
            self._pending[key] = pending
            pending.add_done_callback(lambda task: self._forget(key, task))
            outcome = await asyncio.shield(pending)
        else:
            outcome = await asyncio.shield(pending)
            if isinstance(outcome, StatusUnknown) and outcome.own_budget:
                # The verification that loaded it ran out of fetches; that says nothing about this one.
                outcome = await self._load(key, job.session, job.verify_list)
        if isinstance(outcome, StatusUnknown):
            raise StatusUnknown(outcome.reason, outcome.detail)
        return outcome

    async def _load(
        self, key: tuple[str, str], session: FetchSession, verify_list: ListVerifier
    ) -> StatusList | StatusUnknown:
        url, kind = key
        try:
            try:
                result = await session.fetch(url, cache=False)
            except FetchError as error:
                message = f"The status list at {clip(url)} could not be fetched ({error.reason})."
                raise StatusUnknown(
                    "status_list_unreachable", message, own_budget=error.reason == "fetch_budget"
                ) from None
            if not 200 <= result.status < 300:
                message = f"The status list at {clip(url)} answered HTTP {result.status}."
                raise StatusUnknown("status_list_unreachable", message)
            document = parse_body(result.body, url)
            ttl = self._ttl
            if kind == REVOCATION_LIST_ENTRY:
                loaded: StatusList = await read_revocation_list(document, url, session, verify_list)
            else:
                loaded, list_ttl = await read_bitstring(document, kind, url, session, verify_list)
                ttl = ttl if list_ttl is None else min(ttl, list_ttl)
        except StatusUnknown as unknown:
            return unknown
        self._store(key, loaded, loaded.size, ttl)
        return loaded

    def _forget(self, key: tuple[str, str], task: asyncio.Task[StatusList | StatusUnknown]) -> None:
        self._pending.pop(key, None)
        # Every waiter may have been cancelled; an unexpected error is still raised to any that waited.
        if not task.cancelled():
            task.exception()

    def _store(self, key: tuple[str, str], value: StatusList, size: int, ttl: float) -> None:
        if ttl <= 0 or size > self._max_bytes:
            return
        self._evict(key)
        self._cache[key] = _Cached(value, size, self._clock() + ttl)
        self._cached_bytes += size
        while len(self._cache) > self._max_lists or self._cached_bytes > self._max_bytes:
            self._evict(next(iter(self._cache)))

    def _evict(self, key: tuple[str, str]) -> None:
        cached = self._cache.pop(key, None)
        if cached is not None:
            self._cached_bytes -= cached.size


@dataclass(frozen=True, slots=True)
class _Cached:
    value: StatusList
    size: int
    expires_at: float


def _unknown(reason: str, detail: str) -> StatusResult:
    return StatusResult("unknown", reason, detail)


def _index(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _INDEX.fullmatch(value.strip()):
        return int(value.strip())
    raise StatusUnknown("status_entry_malformed", "The credential's statusListIndex is not a whole number.")


def _status_size(value: Any) -> int:
    if isinstance(value, str) and _INDEX.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_STATUS_SIZE:
        return value
    message = f"The credential's statusSize is not a whole number from 1 to {MAX_STATUS_SIZE}."
    raise StatusUnknown("status_entry_malformed", message)


def _list_url(value: Any, field: str) -> str:
    if not is_http_url(value):
        raise StatusUnknown(
            "status_entry_malformed", f"The credential's status entry {field} is not an http(s) URL."
        )
    url: str = value.strip()
    return url


def _require_issuer(list_issuer: str, issuer_id: str, url: str) -> None:
    if list_issuer != issuer_id.strip():
        message = (
            f"The status list at {clip(url)} was issued by {clip(list_issuer, 80)}, "
            "not by the credential's issuer."
        )
        raise StatusUnknown("status_list_issuer_mismatch", message)
