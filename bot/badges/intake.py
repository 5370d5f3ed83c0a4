"""Turning what a member gave and what verification found into the row credcord stores."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bot.badges.model import badge_skills
from bot.errors import InvalidInput
from bot.skills import SkillCatalog, SkillMatch
from bot.verification import ob2
from bot.verification.baked import BakedError, extract_baked
from bot.verification.verdict import Status, Verdict

IMAGE_SOURCE = "image"
MAX_URL = 2000
MAX_NAME = 256  # an embed title's limit
# Baked content longer than this is not kept for re-checks; the credential's URL is used instead.
MAX_RECHECK = 64 << 10
# Issuer prose is clipped in the stored verdict: the snapshot is evidence, not an archive.
_SNAPSHOT_TEXT = 1000
_SNAPSHOT_ITEMS = 20


@dataclass(frozen=True, slots=True)
class BadgeRecord:
    """Everything stored about one badge except its owner, id and bookkeeping times."""

    source: str
    recheck: str | None
    check_host: str | None
    credential_id: str
    status: Status
    format: str | None
    reason: str
    message: str
    name: str | None
    issuer_name: str | None
    issuer_url: str | None
    issuer_host: str | None
    image_url: str | None
    skills: tuple[SkillMatch, ...]
    issued_at: datetime | None
    expires_at: datetime | None
    self_reported: bool
    verdict_json: str


def check_source(source: str | bytes) -> str | bytes:
    """A badge URL (http or https) or image bytes; anything else is refused before any fetch."""
    if isinstance(source, bytes):
        return source
    url = source.strip()
    if len(url) > MAX_URL or not ob2.is_http_url(url) or any(ch.isspace() for ch in url):
        raise InvalidInput("url", "must be the http(s) link to the badge (its assertion or public page)")
    return url


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url.strip()).hostname
    except ValueError:
        return None


def _recheck(source: str | bytes, verdict: Verdict) -> str | None:
    """What to verify again later: the URL given, or what the image carries."""
    if isinstance(source, str):
        return source
    try:
        content = extract_baked(source).content.strip()
    except BakedError:
        content = ""
    if content and len(content) <= MAX_RECHECK:
        return content
    credential_id = verdict.credential.id if verdict.credential else None
    return credential_id if ob2.is_http_url(credential_id) else None


def _credential_id(source: str | bytes, verdict: Verdict) -> str:
    """The credential's own id; without one, the URL given or a fingerprint of the image."""
    if verdict.credential is not None and verdict.credential.id:
        return verdict.credential.id.strip()
    if isinstance(source, str):
        return source
    return "sha256:" + hashlib.sha256(source).hexdigest()


def _clip(value: Any) -> Any:
    return value[:_SNAPSHOT_TEXT] if isinstance(value, str) else value


def snapshot(verdict: Verdict) -> str:
    """The verdict as JSON, with the issuer's free text clipped."""
    data = verdict.to_json()
    credential = data.get("credential")
    if credential is not None:
        for key in ("description", "criteria"):
            credential[key] = _clip(credential[key])
        for key in ("skills", "evidence"):
            credential[key] = [_clip(item) for item in credential[key][:_SNAPSHOT_ITEMS]]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _name(text: str | None) -> str | None:
    cleaned = " ".join(text.split()) if text else ""
    return cleaned[:MAX_NAME] or None


def _http_or_none(url: str | None) -> str | None:
    return url if url and ob2.is_http_url(url) and len(url) <= MAX_URL else None


def build_record(
    source: str | bytes, verdict: Verdict, *, self_reported: bool, catalog: SkillCatalog
) -> BadgeRecord:
    credential = verdict.credential
    issuer = verdict.issuer
    recheck = _recheck(source, verdict)
    issuer_url = _http_or_none(issuer.url or issuer.id) if issuer is not None else None
    issuer_host = host_of(issuer_url)
    return BadgeRecord(
        source=source if isinstance(source, str) else IMAGE_SOURCE,
        recheck=recheck,
        check_host=host_of(recheck) if ob2.is_http_url(recheck) else issuer_host,
        credential_id=_credential_id(source, verdict),
        status=verdict.status,
        format=verdict.format,
        reason=verdict.reason,
        message=verdict.message,
        name=_name(credential.name if credential else None),
        issuer_name=_name(issuer.name if issuer else None),
        issuer_url=issuer_url,
        issuer_host=issuer_host,
        image_url=_http_or_none(credential.image) if credential else None,
        skills=badge_skills(credential.skills, catalog) if credential else (),
        issued_at=credential.issued_on if credential else None,
        expires_at=credential.expires if credential else None,
        self_reported=self_reported,
        verdict_json=snapshot(verdict),
    )
