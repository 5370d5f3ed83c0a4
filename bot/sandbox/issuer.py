"""The sandbox's demo badge issuer: real, correctly signed Open Badges 2.0 and 3.0 credentials on 127.0.0.1.

"Sandbox Academy" publishes its Profile, signing key and revocation list, four BadgeClasses and one badge
of each kind a member may meet, all issued to one email address:

    Python Fundamentals       hosted             VALID
    PostgreSQL Essentials     signed (RS256 JWS) VALID    baked into a PNG, as badge platforms hand them out
    Data Visualization        Open Badges 3.0    VALID    eddsa-rdfc-2022 proof by the Academy's Multikey
    Kubernetes Operations     hosted             REVOKED  the assertion answers HTTP 410
    AWS Cloud Foundations     hosted             EXPIRED

The Open Badges 3.0 credential names its issuer by the URL of the Academy's OB3 Profile, which is also
its controller document (publishing the Ed25519 key): a did:web would need https, which a loopback demo
server does not have.

``award`` then issues valid hosted badges of those classes to other addresses (the seeded members').
Dates are relative to the moment given to ``publish``: the sandbox's simulated clock, which is the one the
bot judges expiry by. The keys are made at every start; nothing here is a secret worth keeping.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bot.sandbox.credentials import (
    assertion,
    badge_class,
    cryptographic_key,
    identity,
    iso,
    issuer_profile,
    itxt,
    png,
    revocation_list,
    sign_rs256,
)
from bot.sandbox.vc import OB3, VC_V2, controller_document, identity_object, multikey_method, sign
from bot.verification.verdict import Status

LOOPBACK: Final = "127.0.0.1"
ISSUER_NAME: Final = "Sandbox Academy (demo issuer)"
OB3_BADGE: Final = "Data Visualization"
_SALT: Final = "sandbox"
_JSON: Final = "application/json"


@dataclass(frozen=True, slots=True)
class DemoBadge:
    """One demo badge and how to try it."""

    name: str
    kind: Literal["hosted", "signed", "Open Badges 3.0"]
    url: str
    expected: Status  # what /verify says about it
    how: str  # what to do with the URL in Discord


@dataclass(frozen=True, slots=True)
class _Document:
    status: int
    content_type: str
    body: bytes


_NOT_FOUND: Final = _Document(404, "text/plain", b"not found")


def _json(document: Mapping[str, Any], status: int = 200) -> _Document:
    return _Document(status, _JSON, json.dumps(document, indent=2).encode())


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        document = self.server.documents.get(urlsplit(self.path).path, _NOT_FOUND)
        self.send_response(document.status)
        self.send_header("Content-Type", document.content_type)
        self.send_header("Content-Length", str(len(document.body)))
        self.end_headers()
        self.wfile.write(document.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal belongs to the sandbox's own output


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        # Replaced whole, never changed in place: the serving threads read it without a lock.
        self.documents: Mapping[str, _Document] = {}


class DemoIssuer:
    """An HTTP/1.0 server on a free port of 127.0.0.1, answering from a table that ``publish`` fills."""

    def __init__(self) -> None:
        self._server = _Server()
        # A short poll keeps close() quick: shutdown() waits for the serving loop's next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="demo-issuer", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def allowed_host(self) -> str:
        """The one ``host:port`` the bot's fetcher is allowed to reach for the sandbox."""
        return f"{LOOPBACK}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def publish(self, email: str, now: datetime) -> tuple[DemoBadge, ...]:
        """Serve the Academy's documents and one badge of each kind issued to ``email``; return the badges."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuer_url, key_url = self.url("/issuer"), self.url("/keys/1")
        recipient = identity(email, salt=_SALT)
        documents: dict[str, _Document] = {
            "/issuer": _json(
                issuer_profile(
                    issuer_url,
                    name=ISSUER_NAME,
                    url=self.base_url,
                    email="badges@sandbox-academy.example",
                    public_key=key_url,
                    revocation_list=self.url("/revocations"),
                )
            ),
            "/keys/1": _json(cryptographic_key(key_url, owner=issuer_url, key=key)),
            "/revocations": _json(revocation_list(self.url("/revocations"), issuer=issuer_url)),
            "/images/badge.png": _Document(200, "image/png", png()),
        }
        for slug, name, skill, skill_url in _CLASSES:
            documents[f"/badges/{slug}"] = _json(
                badge_class(
                    self.url(f"/badges/{slug}"),
                    issuer=issuer_url,
                    name=name,
                    description=f"Shows practical, assessed {skill} skills.",
                    image=self.url("/images/badge.png"),
                    criteria=f"Pass the Academy's proctored {skill} project.",
                    skills=[(skill, skill_url)],
                    tags=[skill],
                )
            )

        def hosted(slug: str, **dates: Any) -> dict[str, Any]:
            return assertion(
                self.url(f"/assertions/{slug}"),
                recipient=recipient,
                badge=self.url(f"/badges/{slug}"),
                **dates,
            )

        valid = hosted("python", issued_on=now - timedelta(days=60))
        revoked = hosted("kubernetes", issued_on=now - timedelta(days=200))
        expired = hosted("cloud", issued_on=now - timedelta(days=800), expires=now - timedelta(days=35))
        signed = assertion(
            "urn:uuid:6b0c1a4e-5d2f-4a8e-9f3b-2c7d8e9f0a1b",
            recipient=recipient,
            badge=self.url("/badges/postgresql"),
            verification={"type": "signed", "creator": key_url},
            issued_on=now - timedelta(days=30),
            expires=now + timedelta(days=730),
        )
        documents["/assertions/python"] = _json(valid)
        documents["/assertions/kubernetes"] = _json(
            {**revoked, "revocationReason": "Issued before the final exam was graded."}, status=410
        )
        documents["/assertions/cloud"] = _json(expired)
        baked = "/baked/postgresql.png"
        documents[baked] = _Document(200, "image/png", png(itxt(sign_rs256(signed, key))))
        self._server.documents = documents

        ob3 = self._publish_ob3(email, now)
        paste, attach = "paste into /verify url:", "download, then attach to /verify image:"
        return (
            DemoBadge("Python Fundamentals", "hosted", valid["id"], Status.VALID, paste),
            DemoBadge("PostgreSQL Essentials", "signed", self.url(baked), Status.VALID, attach),
            DemoBadge(OB3_BADGE, "Open Badges 3.0", ob3, Status.VALID, paste),
            DemoBadge("Kubernetes Operations", "hosted", revoked["id"], Status.REVOKED, paste),
            DemoBadge("AWS Cloud Foundations", "hosted", expired["id"], Status.EXPIRED, paste),
        )

    def _publish_ob3(self, email: str, now: datetime) -> str:
        """Serve the Academy's OB3 Profile and one OpenBadgeCredential issued to ``email``; its URL."""
        key = ed25519.Ed25519PrivateKey.generate()
        issuer = self.url("/ob3/issuer")
        method = multikey_method(issuer, key)
        profile = {**controller_document(issuer, [method]), "type": "Profile", "name": ISSUER_NAME}
        path, issued = "/ob3/credentials/data-visualization", iso(now - timedelta(days=20))
        skills = (
            ("Data Visualization", "https://en.wikipedia.org/wiki/Data_and_information_visualization"),
            ("Tableau", "https://www.tableau.com"),
        )
        credential = {
            "@context": [VC_V2, OB3],
            "id": self.url(path),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": ISSUER_NAME, "url": self.base_url},
            "name": OB3_BADGE,
            "validFrom": issued,
            "validUntil": iso(now + timedelta(days=1095)),
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "identifier": [identity_object(email, salt=_SALT)],
                "achievement": {
                    "id": self.url("/ob3/achievements/data-visualization"),
                    "type": ["Achievement"],
                    "name": OB3_BADGE,
                    "description": "Builds clear, honest charts and dashboards from real data.",
                    "criteria": {"narrative": "Publish a dashboard that passes the Academy's design review."},
                    "image": {"id": self.url("/images/badge.png"), "type": "Image"},
                    "tag": [skill for skill, _ in skills],
                    "alignment": [
                        {"type": ["Alignment"], "targetName": skill, "targetUrl": url}
                        for skill, url in skills
                    ],
                },
            },
        }
        signed = sign(credential, key, method["id"], created=issued)
        self._server.documents = {
            **self._server.documents,
            "/ob3/issuer": _json(profile),
            path: _json(signed),
        }
        return self.url(path)

    def award(self, holder: str, email: str, slugs: Sequence[str], now: datetime) -> tuple[str, ...]:
        """Issue valid hosted badges of the classes ``slugs`` to ``email``; return their URLs.

        They are served under ``/assertions/<holder>/``. Call after ``publish``, which serves the classes.
        """
        recipient = identity(email, salt=_SALT)
        awarded = {
            f"/assertions/{holder}/{slug}": _json(
                assertion(
                    self.url(f"/assertions/{holder}/{slug}"),
                    recipient=recipient,
                    badge=self.url(f"/badges/{slug}"),
                    issued_on=now - timedelta(days=90),
                )
            )
            for slug in slugs
        }
        self._server.documents = {**self._server.documents, **awarded}
        return tuple(self.url(path) for path in awarded)


_CLASSES: Final = (
    ("python", "Python Fundamentals", "Python", "https://www.python.org"),
    ("postgresql", "PostgreSQL Essentials", "PostgreSQL", "https://www.postgresql.org"),
    ("kubernetes", "Kubernetes Operations", "Kubernetes", "https://kubernetes.io"),
    ("cloud", "AWS Cloud Foundations", "AWS", "https://aws.amazon.com"),
)
