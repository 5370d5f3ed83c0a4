"""An Open Badges 2.0 issuer for tests: documents, RSA keys, signed and baked badges, served for real.

``issuer_world()`` starts two ``LocalServer`` origins: ``home`` hosts the issuer Profile, BadgeClass, key
and revocation list; ``other`` is a second origin for cross-origin scope cases. ``mock_world()`` is the
same issuer on two in-memory origins behind ``httpx.MockTransport``, for tests of logic only (property
tests). Documents are plain dicts built from valid defaults; pass ``field=REMOVE`` to drop a property or
``field=value`` to change it. Keys and signatures, recipients, documents and baked PNGs come from
``bot.sandbox.credentials``, which the sandbox's demo issuer publishes with too::

    async with issuer_world() as world:
        url = world.host(world.assertion(recipient=identity(EMAIL, algorithm="md5")))
        verdict = await world.verifier.verify(url, emails=[EMAIL])
"""

from __future__ import annotations

import functools
import hmac
import json
import zlib
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.sandbox import credentials
from bot.sandbox.credentials import b64url, signing_input
from bot.sandbox.credentials import itxt as itxt
from bot.sandbox.credentials import png as png
from bot.sandbox.credentials import png_chunk as png_chunk
from bot.sandbox.credentials import public_pem as public_pem
from bot.verification.fetcher import Fetcher, FetchLimits, FetchPolicy
from bot.verification.verifier import Verifier
from tests.support.http_server import Body, LocalServer, Response

EMAIL: Final = "alice@example.org"
SALT: Final = "deadsea"
NOW: Final = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ISSUED_ON: Final = "2025-01-15T10:00:00Z"


class _Remove:
    def __repr__(self) -> str:
        return "REMOVE"


REMOVE: Final = _Remove()


def changed(document: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``document`` with ``changes`` applied (``REMOVE`` deletes a property)."""
    result = dict(document)
    for key, value in changes.items():
        if value is REMOVE:
            result.pop(key, None)
        else:
            result[key] = value
    return result


# Keys and JWS


@functools.cache
def rsa_key(name: str = "issuer") -> rsa.RSAPrivateKey:
    """A 2048-bit RSA key, generated once per test session per ``name``."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_rs256(payload: Mapping[str, Any] | bytes, key: rsa.RSAPrivateKey | None = None) -> str:
    return credentials.sign_rs256(payload, key or rsa_key())


def sign_hs256(payload: Mapping[str, Any], secret: bytes) -> str:
    unsigned = signing_input({"alg": "HS256", "typ": "JWT"}, payload)
    signature = hmac.new(secret, unsigned.encode(), "sha256").digest()
    return f"{unsigned}.{b64url(signature)}"


def unsigned(payload: Mapping[str, Any]) -> str:
    return signing_input({"alg": "none"}, payload) + "."


def tampered(token: str, payload: Mapping[str, Any]) -> str:
    """``token`` with its payload replaced and the original signature kept."""
    header, _, signature = token.split(".")
    return f"{header}.{b64url(json.dumps(payload).encode())}.{signature}"


# Recipients


def identity(email: str = EMAIL, *, salt: str | None = SALT, **options: Any) -> dict[str, Any]:
    """An IdentityObject for ``email``, as ``credentials.identity`` builds it, with the test issuer's salt."""
    return credentials.identity(email, salt=salt, **options)


# Baked images


def text_chunk(text: str, *, keyword: bytes = b"openbadges") -> bytes:
    return png_chunk(b"tEXt", keyword + b"\x00" + text.encode("latin-1"))


def compressed_bomb() -> bytes:
    """A PNG whose compressed openbadges iTXt inflates to 64 MiB of zeros."""
    squeezer = zlib.compressobj(9)
    block = bytes(1 << 20)
    packed = b"".join(squeezer.compress(block) for _ in range(64)) + squeezer.flush()
    return png(itxt(packed, compressed=True))


def svg(*, verify: str | None = None, content: str | None = None) -> bytes:
    attribute = f' verify="{verify}"' if verify is not None else ""
    inner = f"<![CDATA[{content}]]>" if content is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"'
        ' width="10" height="10">\n'
        f"  <openbadges:assertion{attribute}>{inner}</openbadges:assertion>\n"
        '  <rect width="10" height="10"/>\n'
        "</svg>\n"
    ).encode()


BILLION_LAUGHS: Final = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion verify="&lol3;"/>
</svg>
"""

EXTERNAL_ENTITY: Final = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion>&secret;</openbadges:assertion>
</svg>
"""


# The issuer, served


class MockOrigin:
    """An origin answered in memory: the ``LocalServer`` routing methods, for ``httpx.MockTransport``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.port = urlsplit(base_url).port or 443
        self.requests: list[str] = []
        self._routes: dict[str, httpx.Response] = {}

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(
        self, path: str, body: Body = b"", *, status: int = 200, content_type: str = "application/json"
    ) -> None:
        content = Response(body).encoded_body()
        headers = {"Content-Type": content_type} if content_type else {}
        self._routes[path] = httpx.Response(status, content=content, headers=headers)

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self._routes[path] = httpx.Response(status, headers={"Location": location})

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii")
        self.requests.append(path)
        template = self._routes.get(path)
        if template is None:
            return httpx.Response(404, text="not found")
        return httpx.Response(template.status_code, headers=template.headers, content=template.content)


Origin = LocalServer | MockOrigin


class IssuerWorld:
    """One issuer on ``home`` (Profile, BadgeClass, key, revocation list) and a second origin, ``other``.

    ``fetcher`` and ``verifier`` (clock fixed at ``NOW``) exist once ``attach`` gave it a fetcher.
    """

    fetcher: Fetcher
    verifier: Verifier

    def __init__(self, home: Origin, other: Origin) -> None:
        self.home = home
        self.other = other
        self.issuer_url = home.url("/issuer")
        self.badge_url = home.url("/badges/python")
        self.key_url = home.url("/keys/1")
        self.revocations_url = home.url("/revocations")
        self.publish()

    def attach(self, fetcher: Fetcher) -> IssuerWorld:
        self.fetcher = fetcher
        self.verifier = Verifier(fetcher, clock=lambda: NOW)
        return self

    def profile(self, **changes: Any) -> dict[str, Any]:
        return changed(
            credentials.issuer_profile(
                self.issuer_url,
                name="Example University",
                url="https://example.org",
                email="badges@example.org",
                public_key=self.key_url,
                revocation_list=self.revocations_url,
            ),
            changes,
        )

    def badge_class(self, **changes: Any) -> dict[str, Any]:
        return changed(
            credentials.badge_class(
                self.badge_url,
                issuer=self.issuer_url,
                name="Python Fundamentals",
                description="Writes, tests and packages small Python programs.",
                image=self.home.url("/badges/python.png"),
                criteria="Pass the final project.",
                skills=[("Python", "https://www.python.org")],
                tags=["programming", "Python"],
            ),
            changes,
        )

    def key(self, key: rsa.RSAPrivateKey | None = None, **changes: Any) -> dict[str, Any]:
        return changed(
            credentials.cryptographic_key(self.key_url, owner=self.issuer_url, key=key or rsa_key()), changes
        )

    def revocation_list(self, *revoked: Any) -> dict[str, Any]:
        return credentials.revocation_list(self.revocations_url, issuer=self.issuer_url, revoked=revoked)

    def publish(
        self,
        *,
        profile: Mapping[str, Any] | None = None,
        badge_class: Mapping[str, Any] | None = None,
        key: Mapping[str, Any] | None = None,
        revocations: Mapping[str, Any] | None = None,
    ) -> None:
        """Serve the issuer's documents (the defaults, or the ones given)."""
        self.home.route("/issuer", dict(profile or self.profile()))
        self.home.route("/badges/python", dict(badge_class or self.badge_class()))
        self.home.route("/keys/1", dict(key or self.key()))
        self.home.route("/revocations", dict(revocations or self.revocation_list()))

    def assertion(
        self, path: str = "/assertions/1", *, server: Origin | None = None, **changes: Any
    ) -> dict[str, Any]:
        """A hosted Assertion whose id is ``path`` on ``server`` (default ``home``); not served yet."""
        return changed(
            credentials.assertion(
                (server or self.home).url(path),
                recipient=identity(),
                badge=self.badge_url,
                issued_on=ISSUED_ON,
                evidence="https://example.org/evidence/alice",
            ),
            changes,
        )

    def host(self, assertion: Mapping[str, Any], *, server: Origin | None = None) -> str:
        """Serve ``assertion`` at the path of its id on ``server`` and return the URL."""
        target = server or self.home
        url = str(assertion["id"])
        path = url.removeprefix(target.base_url)
        target.route(path, dict(assertion))
        return target.url(path)

    def signed_assertion(self, **changes: Any) -> dict[str, Any]:
        return changed(
            credentials.assertion(
                "urn:uuid:2f8b2c62-6f8a-4bde-9b0b-1a3f4c7c9e01",
                recipient=identity(),
                badge=self.badge_url,
                verification={"type": "signed", "creator": self.key_url},
                issued_on=ISSUED_ON,
            ),
            changes,
        )


def loopback_fetcher(*, total_timeout: float = 1.0) -> Fetcher:
    """A fetcher allowed to reach loopback, with timeouts short enough for tests."""
    return Fetcher(
        policy=FetchPolicy(allow_private_networks=True),
        limits=FetchLimits(connect_timeout=0.5, read_timeout=total_timeout, total_timeout=total_timeout),
    )


@asynccontextmanager
async def mock_world() -> AsyncIterator[IssuerWorld]:
    """The issuer on https://issuer.example with https://elsewhere.example as the other origin, in memory."""
    home, other = MockOrigin("https://issuer.example"), MockOrigin("https://elsewhere.example")
    origins = {home.base_url: home, other.base_url: other}

    def answer(request: httpx.Request) -> httpx.Response:
        origin = origins.get(f"{request.url.scheme}://{request.url.netloc.decode('ascii')}")
        return origin.answer(request) if origin else httpx.Response(404)

    async with Fetcher(transport=httpx.MockTransport(answer)) as fetcher:
        yield IssuerWorld(home, other).attach(fetcher)


@asynccontextmanager
async def issuer_world(*, total_timeout: float = 1.0) -> AsyncIterator[IssuerWorld]:
    with LocalServer() as home, LocalServer() as other:
        async with loopback_fetcher(total_timeout=total_timeout) as fetcher:
            yield IssuerWorld(home, other).attach(fetcher)


@contextmanager
def served_issuer() -> Iterator[IssuerWorld]:
    """The issuer on two real origins, without a fetcher: for code that brings its own (the CLI)."""
    with LocalServer() as home, LocalServer() as other:
        yield IssuerWorld(home, other)
