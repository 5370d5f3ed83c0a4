"""Open Badges 3.0 issuers for tests: keys, signed credentials and the documents that back them, served.

Signing is the demo issuer's (``bot.sandbox.vc``, re-exported here), written against the specifications with
pyld and rfc8785 directly, not through credcord's ``vc`` package, so the verifier is checked against a
second implementation of each suite::

    async with vc_world() as world:
        credential = world.sign(world.badge())                  # eddsa-rdfc-2022 by the issuer's Multikey
        verdict = await world.verifier.verify(credential, emails=[EMAIL])

``vc_world()`` serves two real origins on 127.0.0.1 under https names (``ISSUER_HOST`` and
``OTHER_HOST``; ``example.edu`` is ``home`` too, for the official test vector) through a forwarding
transport, so did:web and https controller documents resolve as they would on the internet.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from bot.sandbox import vc
from bot.sandbox.credentials import b64url
from bot.sandbox.vc import DID_V1 as DID_V1
from bot.sandbox.vc import MULTIKEY as MULTIKEY
from bot.sandbox.vc import OB3 as OB3
from bot.sandbox.vc import VC_V2 as VC_V2
from bot.sandbox.vc import Suite, controller_document, multikey_method
from bot.sandbox.vc import did_key as did_key
from bot.sandbox.vc import multikey as multikey
from bot.verification.fetcher import Fetcher
from bot.verification.vc.status import StatusChecker
from bot.verification.verifier import Verifier
from tests.support.http_server import LocalServer
from tests.support.issuer import EMAIL, NOW, rsa_key

VC_V1: Final = "https://www.w3.org/2018/credentials/v1"
OB3_V1: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
OB3_EXTENSIONS: Final = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY: Final = "https://w3id.org/security/data-integrity/v2"
ED25519_2020: Final = "https://w3id.org/security/suites/ed25519-2020/v1"
ISSUER_HOST: Final = "issuer-a.test"
OTHER_HOST: Final = "issuer-b.test"
SALT: Final = "pepper"
VALID_FROM: Final = "2025-01-15T10:00:00Z"

# Keys


@functools.cache
def ed25519_key(name: str = "issuer") -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@functools.cache
def p256_key(name: str = "issuer") -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def jwk(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> dict[str, str]:
    """The public JWK of ``key``."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        numbers = key.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }
    public = key.public_key().public_numbers()
    return {
        "kty": "RSA",
        "n": b64url(public.n.to_bytes((public.n.bit_length() + 7) // 8, "big")),
        "e": b64url(public.e.to_bytes(3, "big")),
    }


def private_jwk(key: ed25519.Ed25519PrivateKey) -> dict[str, str]:
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return {**jwk(key), "d": b64url(raw)}


# Signing


def sign(
    credential: Mapping[str, Any],
    key: ed25519.Ed25519PrivateKey,
    method: str,
    *,
    suite: Suite = "eddsa-rdfc-2022",
    purpose: str = "assertionMethod",
    created: str = VALID_FROM,
) -> dict[str, Any]:
    """``credential`` with a Data Integrity (or Ed25519Signature2020) proof by ``key`` as ``method``."""
    return vc.sign(credential, key, method, created=created, suite=suite, purpose=purpose)


def sign_jwt(
    payload: Mapping[str, Any],
    key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    **header: Any,
) -> str:
    """A compact JWS of ``payload``; the algorithm follows the key type unless ``alg`` is given."""
    header.setdefault("alg", _algorithm(key))
    unsigned = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(dict(payload)).encode())}"
    message = unsigned.encode()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = key.sign(message)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return f"{unsigned}.{b64url(signature)}"


def _algorithm(key: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def seconds(moment: str) -> int:
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp())


def email_identity(email: str = EMAIL, *, salt: str = SALT) -> dict[str, Any]:
    return vc.identity_object(email, salt=salt)


def bitstring(*revoked: int, size: int = 131072) -> str:
    """A Bitstring Status List ``encodedList`` (multibase base64url of GZIP, MSB first)."""
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


# The issuers, served


class ForwardingTransport(httpx.AsyncBaseTransport):
    """Sends requests for https://<name> to the local server registered for that name (else: unreachable)."""

    def __init__(self, origins: Mapping[str, LocalServer]) -> None:
        self._origins = dict(origins)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        server = self._origins.get(request.url.host)
        if server is None:
            raise httpx.ConnectError(f"{request.url.host} is unreachable", request=request)
        target = request.url.copy_with(scheme="http", host="127.0.0.1", port=server.port)
        forwarded = httpx.Request(
            request.method, target, headers=request.headers, extensions=request.extensions
        )
        return await self._inner.handle_async_request(forwarded)

    async def aclose(self) -> None:
        await self._inner.aclose()


class VcWorld:
    """An issuer at https://issuer-a.test/issuer (its Profile is its controller document, publishing an
    Ed25519 Multikey ``#key-1`` and JWKs ``#jwk-ed``, ``#jwk-es``, ``#jwk-rs``), ``did:web:issuer-a.test``
    (the same keys), and a second issuer at https://issuer-b.test/issuer with its own key."""

    fetcher: Fetcher
    verifier: Verifier
    status: StatusChecker

    def __init__(self, home: LocalServer, other: LocalServer) -> None:
        self.home = home
        self.other = other
        self.issuer = f"https://{ISSUER_HOST}/issuer"
        self.method = f"{self.issuer}#key-1"
        self.other_issuer = f"https://{OTHER_HOST}/issuer"
        self.did = f"did:web:{ISSUER_HOST}"
        self.key = ed25519_key("issuer")
        self.other_key = ed25519_key("other")
        self.publish()

    def attach(self, fetcher: Fetcher) -> VcWorld:
        self.fetcher = fetcher
        self.status = StatusChecker()
        self.verifier = Verifier(fetcher, clock=lambda: NOW, status=self.status)
        return self

    def url(self, path: str, *, host: str = ISSUER_HOST) -> str:
        return f"https://{host}{path}"

    def controller(self, controller_id: str, **changes: Any) -> dict[str, Any]:
        """A controller document for ``controller_id`` with the issuer's keys, all for assertionMethod."""
        methods = [
            multikey_method(controller_id, self.key),
            {
                "id": f"{controller_id}#jwk-ed",
                "type": "JsonWebKey",
                "controller": controller_id,
                "publicKeyJwk": jwk(self.key),
            },
            {
                "id": f"{controller_id}#jwk-es",
                "type": "JsonWebKey",
                "controller": controller_id,
                "publicKeyJwk": jwk(p256_key()),
            },
            {
                "id": f"{controller_id}#jwk-rs",
                "type": "JsonWebKey",
                "controller": controller_id,
                "publicKeyJwk": jwk(rsa_key()),
            },
        ]
        return controller_document(controller_id, methods) | changes

    def profile(self, **changes: Any) -> dict[str, Any]:
        return {**self.controller(self.issuer), "type": "Profile", "name": "Example Institute", **changes}

    def publish(self) -> None:
        self.home.route("/issuer", self.profile())
        self.home.route("/.well-known/did.json", self.controller(self.did))
        other = self.other_issuer
        document = controller_document(other, [multikey_method(other, self.other_key)])
        self.other.route("/issuer", {**document, "type": "Profile"})

    def badge(
        self,
        *,
        issuer: str | None = None,
        version: Literal["1.1", "2.0"] = "2.0",
        contexts: tuple[str, ...] = (),
        **changes: Any,
    ) -> dict[str, Any]:
        """An unsigned OpenBadgeCredential for the test recipient (hashed email)."""
        issuer_id = issuer or self.issuer
        achievement = {
            "id": "https://issuer-a.test/achievements/python",
            "type": ["Achievement"],
            "name": "Python Fundamentals",
            "description": "Writes, tests and packages small Python programs.",
            "criteria": {"narrative": "Pass the final project."},
            "image": {"id": "https://issuer-a.test/achievements/python.png", "type": "Image"},
            "tag": ["Python", "programming"],
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetName": "Python",
                    "targetUrl": "https://www.python.org",
                    "targetType": "ceasn:Competency",
                }
            ],
        }
        credential: dict[str, Any] = {
            "@context": [VC_V1, OB3_V1, *contexts] if version == "1.1" else [VC_V2, OB3, *contexts],
            "id": "urn:uuid:6c2f3cf0-1c9d-4e7c-9b1e-1a2b3c4d5e6f",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {
                "id": issuer_id,
                "type": ["Profile"],
                "name": "Example Institute",
                "url": "https://issuer-a.test",
            },
            "name": "Python Fundamentals",
            "credentialSubject": {
                "id": "did:example:learner-1",
                "type": ["AchievementSubject"],
                "identifier": [email_identity()],
                "achievement": achievement,
            },
        }
        credential["issuanceDate" if version == "1.1" else "validFrom"] = VALID_FROM
        credential.update(changes)
        return credential

    def sign(self, credential: Mapping[str, Any], **options: Any) -> dict[str, Any]:
        """``credential`` signed by the issuer's Multikey (or as ``options`` say)."""
        key = options.pop("key", self.key)
        method = options.pop("method", self.method)
        return sign(credential, key, method, **options)

    def jwt_claims(self, credential: Mapping[str, Any], **claims: Any) -> dict[str, Any]:
        """A VC 1.1-era JWT payload: the credential under ``vc`` and its registered claims."""
        payload: dict[str, Any] = {
            "iss": credential["issuer"]["id"]
            if isinstance(credential["issuer"], dict)
            else credential["issuer"],
            "jti": credential["id"],
            "sub": credential["credentialSubject"]["id"],
            "nbf": seconds(credential.get("validFrom") or credential["issuanceDate"]),
            "vc": dict(credential),
        }
        payload.update(claims)
        return {name: value for name, value in payload.items() if value is not None}

    def status_list(self, path: str, *revoked: int, **options: Any) -> str:
        """Serve ``signed_status_list(path, *revoked, **options)`` at ``path`` on home; its URL."""
        self.home.route(path, self.signed_status_list(path, *revoked, **options))
        return self.url(path)

    def signed_status_list(
        self,
        path: str,
        *revoked: int,
        purpose: str = "revocation",
        issuer: str | None = None,
        key: ed25519.Ed25519PrivateKey | None = None,
        method: str | None = None,
    ) -> dict[str, Any]:
        """A BitstringStatusListCredential for ``path`` on home with ``revoked`` bits set, signed."""
        url = self.url(path)
        listed = {
            "@context": [VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer or self.issuer,
            "validFrom": VALID_FROM,
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": bitstring(*revoked),
            },
        }
        return sign(listed, key or self.key, method or self.method)

    @staticmethod
    def bitstring_entry(url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
        return {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": url,
        }


def when(days: int) -> str:
    """``NOW`` shifted by ``days``, as a VC date-time."""
    return (NOW + timedelta(days=days)).astimezone(UTC).isoformat().replace("+00:00", "Z")


@asynccontextmanager
async def vc_world() -> AsyncIterator[VcWorld]:
    with LocalServer() as home, LocalServer() as other:
        transport = ForwardingTransport({ISSUER_HOST: home, "example.edu": home, OTHER_HOST: other})
        async with Fetcher(transport=transport) as fetcher:
            yield VcWorld(home, other).attach(fetcher)
