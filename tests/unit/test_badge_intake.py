"""From what a member gave and what verification found to the stored badge row."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.badges.intake import IMAGE_SOURCE, build_record, check_source, snapshot
from bot.errors import InvalidInput
from bot.skills import SkillCatalog
from bot.verification.verdict import CredentialInfo, IssuerInfo, RecipientInfo, Status, Verdict
from tests.support.issuer import itxt, png

CATALOG = SkillCatalog.bundled()
ISSUED = datetime(2026, 1, 5, tzinfo=UTC)
ASSERTION = "https://badges.example/assertions/1"

VERDICT = Verdict(
    Status.VALID,
    "ob2-hosted",
    "verified",
    "ok",
    (),
    CredentialInfo(
        ASSERTION,
        "  Data \n Analyst ",
        "d" * 5000,
        None,
        "data:image/png;base64,AAAA",
        ISSUED,
        None,
        ("sql", "SQL", "Tableau", "Storytelling", "x" * 101, " "),
        tuple(f"https://evidence.example/{i}" for i in range(40)),
    ),
    IssuerInfo("https://academy.example/issuer", "Academy", "https://academy.example", None),
    RecipientInfo("email", True, True),
)


@pytest.mark.parametrize(
    "source", ["not a url", "ftp://badges.example/a", "https://badges.example/a b", "https://" + "a" * 2000]
)
def test_only_http_links_or_image_bytes_are_taken(source: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_source(source)
    assert caught.value.field == "url"
    assert check_source(" https://badges.example/a ") == "https://badges.example/a"
    assert check_source(b"\x89PNG") == b"\x89PNG"


def test_a_url_badge_is_rechecked_from_its_url() -> None:
    record = build_record("https://badges.example/share/1", VERDICT, self_reported=False, catalog=CATALOG)
    assert record.source == record.recheck == "https://badges.example/share/1"
    assert record.check_host == "badges.example"
    assert record.credential_id == ASSERTION
    assert record.name == "Data Analyst"
    assert (record.issuer_name, record.issuer_url, record.issuer_host) == (
        "Academy",
        "https://academy.example",
        "academy.example",
    )
    assert record.image_url is None  # only http(s) images are shown
    assert [(s.name, s.known) for s in record.skills] == [
        ("SQL", True),
        ("Tableau", True),
        ("Storytelling", False),
    ]
    assert record.issued_at == ISSUED and record.status is Status.VALID


def test_an_image_badge_is_rechecked_from_what_is_baked_into_it() -> None:
    image = png(itxt(ASSERTION))
    record = build_record(image, VERDICT, self_reported=False, catalog=CATALOG)
    assert record.source == IMAGE_SOURCE and record.recheck == ASSERTION


def test_a_credential_without_an_id_is_keyed_by_its_source() -> None:
    anonymous = replace(VERDICT, credential=replace(VERDICT.credential, id=None))  # type: ignore[type-var]
    image = png(itxt("not a badge"))
    by_image = build_record(image, anonymous, self_reported=True, catalog=CATALOG)
    assert by_image.credential_id == "sha256:" + hashlib.sha256(image).hexdigest()
    assert by_image.check_host == "academy.example"  # baked text that is not a URL: the issuer's host
    by_url = build_record("https://badges.example/p", anonymous, self_reported=True, catalog=CATALOG)
    assert by_url.credential_id == "https://badges.example/p" and by_url.self_reported


def test_the_snapshot_keeps_the_verdict_but_clips_issuer_prose() -> None:
    data = json.loads(snapshot(VERDICT))
    assert data["status"] == "VALID" and data["credential"]["id"] == ASSERTION
    assert len(data["credential"]["description"]) == 1000
    assert len(data["credential"]["evidence"]) == 20
