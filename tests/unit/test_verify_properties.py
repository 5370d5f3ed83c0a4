"""Whatever an issuer serves or a member pastes, ``verify`` returns a Verdict with a specific reason.

The issuer is served in memory (``mock_world``); documents, JWS strings and images are random or mutated
from valid ones. ``internal_error`` would mean a failure escaped every specific check.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.verification.verdict import Check, Status, Verdict
from tests.support.issuer import (
    EMAIL,
    REMOVE,
    IssuerWorld,
    b64url,
    changed,
    itxt,
    mock_world,
    png,
    png_chunk,
    sign_rs256,
    svg,
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    json_scalars | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
# Values an attacker would pick for a property: other types, near-miss strings, URLs elsewhere.
hostile_values = json_values | st.sampled_from(
    [
        REMOVE,
        "",
        "https://issuer.example/assertions/1",
        "https://elsewhere.example/x",
        "http://169.254.169.254/latest",
        "urn:uuid:1",
        "2025-01-15",
        "2999-01-01T00:00:00Z",
        "sha256$" + "0" * 64,
        {"type": "hosted"},
        {"type": "signed", "creator": "https://issuer.example/keys/1"},
        ["Assertion", "BadgeClass"],
    ]
)
PROPERTIES = {
    "assertion": [
        "id",
        "type",
        "recipient",
        "badge",
        "verification",
        "issuedOn",
        "expires",
        "revoked",
        "evidence",
    ],
    "badge_class": ["id", "type", "name", "description", "image", "criteria", "issuer", "alignment", "tags"],
    "profile": ["id", "type", "name", "url", "email", "publicKey", "revocationList", "verification"],
    "key": ["id", "type", "owner", "publicKeyPem"],
    "revocations": ["type", "revokedAssertions"],
}
COMMON = ["@context", "uid", "verify"]
mutated_documents = st.sampled_from(sorted(PROPERTIES)).flatmap(
    lambda target: st.tuples(
        st.just(target),
        st.dictionaries(st.sampled_from(PROPERTIES[target] + COMMON), hostile_values, min_size=1, max_size=3),
    )
)


def run(scenario: Callable[[IssuerWorld], Awaitable[Verdict]]) -> Verdict:
    async def main() -> Verdict:
        async with mock_world() as world:
            return await scenario(world)

    return asyncio.run(main())


def assert_sound(verdict: Verdict) -> None:
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.status, Status)
    assert verdict.reason and verdict.reason != "internal_error", verdict
    assert verdict.message.endswith(".")
    assert all(isinstance(check, Check) for check in verdict.checks)
    if verdict.status is Status.VALID:
        assert verdict.reason == "verified"
        assert all(check.ok is not False for check in verdict.checks)
    else:
        assert sum(check.ok is False for check in verdict.checks) == 1
    json.dumps(verdict.to_json())


def publish_mutated(
    world: IssuerWorld, target: str, changes: dict[str, Any], *, signed: bool
) -> dict[str, Any]:
    assertion = world.signed_assertion() if signed else world.assertion()
    profile, badge_class, key = world.profile(), world.badge_class(), world.key()
    revocations = world.revocation_list("urn:uuid:other")
    if target == "assertion":
        assertion = changed(assertion, changes)
    elif target == "badge_class":
        badge_class = changed(badge_class, changes)
    elif target == "profile":
        profile = changed(profile, changes)
    elif target == "key":
        key = changed(key, changes)
    else:
        revocations = changed(revocations, changes)
    world.publish(profile=profile, badge_class=badge_class, key=key, revocations=revocations)
    return assertion


@SETTINGS
@given(mutated=mutated_documents)
def test_mutated_hosted_documents(mutated: tuple[str, dict[str, Any]]) -> None:
    target, changes = mutated

    async def scenario(world: IssuerWorld) -> Verdict:
        assertion = publish_mutated(world, target, changes, signed=False)
        world.home.route("/assertions/1", assertion)
        return await world.verifier.verify(world.home.url("/assertions/1"), emails=[EMAIL])

    assert_sound(run(scenario))


@SETTINGS
@given(mutated=mutated_documents)
def test_mutated_signed_documents(mutated: tuple[str, dict[str, Any]]) -> None:
    target, changes = mutated

    async def scenario(world: IssuerWorld) -> Verdict:
        assertion = publish_mutated(world, target, changes, signed=True)
        return await world.verifier.verify(sign_rs256(assertion), emails=[EMAIL])

    assert_sound(run(scenario))


@SETTINGS
@given(
    status=st.sampled_from([200, 201, 204, 301, 400, 403, 404, 410, 418, 500, 503]),
    body=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()),
    content_type=st.sampled_from(["application/json", "text/html", "image/png", "", "application/ld+json"]),
)
def test_arbitrary_responses(status: int, body: bytes, content_type: str) -> None:
    async def scenario(world: IssuerWorld) -> Verdict:
        world.home.route("/assertions/1", body, status=status, content_type=content_type)
        return await world.verifier.verify(world.home.url("/assertions/1"))

    assert_sound(run(scenario))


@SETTINGS
@given(
    source=st.text(max_size=300)
    | st.binary(max_size=300)
    | st.dictionaries(st.text(max_size=8), hostile_values)
)
def test_arbitrary_input(source: str | bytes | dict[str, Any]) -> None:
    async def scenario(world: IssuerWorld) -> Verdict:
        return await world.verifier.verify(source, emails=[EMAIL])

    assert_sound(run(scenario))


base64url_text = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=60
)


@SETTINGS
@given(
    token=st.one_of(
        st.tuples(base64url_text, base64url_text, base64url_text).map(".".join),
        st.tuples(json_values, json_values, st.binary(max_size=64)).map(
            lambda parts: ".".join(
                [
                    b64url(json.dumps(parts[0]).encode()),
                    b64url(json.dumps(parts[1]).encode()),
                    b64url(parts[2]),
                ]
            )
        ),
        st.tuples(
            st.dictionaries(st.sampled_from(["alg", "crit", "b64", "kid", "jwk"]), json_values), json_values
        ).map(
            lambda parts: (
                b64url(json.dumps(parts[0]).encode()) + "." + b64url(json.dumps(parts[1]).encode()) + "."
            )
        ),
    )
)
def test_arbitrary_jws(token: str) -> None:
    async def scenario(world: IssuerWorld) -> Verdict:
        return await world.verifier.verify(token)

    assert_sound(run(scenario))


@SETTINGS
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw-_."))
def test_jws_with_one_character_changed(position: int, replacement: str) -> None:
    async def scenario(world: IssuerWorld) -> Verdict:
        token = sign_rs256(world.signed_assertion())
        index = position % len(token)
        changed_token = token[:index] + replacement + token[index + 1 :]
        verdict = await world.verifier.verify(changed_token)
        if verdict.status is Status.VALID:
            # Only a change in the unused low bits of a segment's last base64 character can keep it valid.
            assert decoded_segments(changed_token) == decoded_segments(token)
        return verdict

    assert_sound(run(scenario))


def decoded_segments(token: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)) for part in token.split(".")]


chunk_types = st.sampled_from([b"iTXt", b"tEXt", b"zTXt", b"IDAT", b"IEND", b"abcd"])


@SETTINGS
@given(
    chunks=st.lists(st.tuples(chunk_types, st.binary(max_size=80)), max_size=4),
    text=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)
    | st.sampled_from(["https://issuer.example/assertions/1", "SIGNED"]),
    cut=st.just(0) | st.integers(min_value=1, max_value=60),
    compressed=st.booleans(),
)
def test_arbitrary_png(chunks: list[tuple[bytes, bytes]], text: str, cut: int, compressed: bool) -> None:
    async def scenario(world: IssuerWorld) -> Verdict:
        world.host(world.assertion())
        content = sign_rs256(world.signed_assertion()) if text == "SIGNED" else text
        data = png(*(png_chunk(kind, body) for kind, body in chunks), itxt(content, compressed=compressed))
        return await world.verifier.verify(data[: max(len(data) - cut, 8)])

    assert_sound(run(scenario))


@SETTINGS
@given(
    verify=st.none()
    | st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters='"<&\x00'), max_size=60)
    | st.just("https://issuer.example/assertions/1"),
    content=st.none()
    | st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="]\x00"), max_size=60),
    prefix=st.sampled_from([b"", b"<!DOCTYPE svg>", b'<!DOCTYPE svg [<!ENTITY a "b">]>', b"\xef\xbb\xbf"]),
)
def test_arbitrary_svg(verify: str | None, content: str | None, prefix: bytes) -> None:
    data = svg(verify=verify, content=content).replace(b"?>\n", b"?>\n" + prefix, 1)

    async def scenario(world: IssuerWorld) -> Verdict:
        world.host(world.assertion())
        return await world.verifier.verify(data)

    assert_sound(run(scenario))
