"""Provider pages: each bundled mapping, admin rules, and what members see for every action.

Provider hosts are never contacted: a test rule with a bundled rule's pattern points its target at a local
origin serving the provider's recorded response shape.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.__main__ import main
from bot.badges.policy import SELF_REPORTABLE
from bot.verification.fetcher import Fetcher
from bot.verification.providers import ProviderRule, ProviderRuleError, Providers, resolve_provider_url
from bot.verification.steps import Settled, Verification
from bot.verification.verdict import Status, Verdict
from bot.verification.verifier import Verifier
from tests.support.http_server import LocalServer
from tests.support.issuer import EMAIL, NOW, IssuerWorld, issuer_world

CREDLY_ID = "8b2899fa-690d-43d3-9dfb-91a6b85e021f"
BUNDLED = Providers.bundled()

# What Accredible's credential endpoint answers (abridged): the credential wrapped in "credential".
ACCREDIBLE_CREDENTIAL = {
    "credential": {
        "id": 10000005,
        "name": "Certified Cloud Practitioner",
        "description": "Cloud concepts, security and billing.",
        "issued_on": "2024-03-28",
        "expired_on": "2027-03-28",
        "url": "https://www.credential.net/10000005",
        "approve": True,
        "complete": True,
        "grade": None,
        "recipient": {"id": 4411, "name": "Alice Example", "email": EMAIL},
        "issuer": {"id": 555, "name": "Example Cloud Academy", "url": "https://academy.example"},
        "skills": ["Cloud", "Security"],
        "evidence_items": [],
    }
}


@pytest.fixture
async def world() -> AsyncIterator[IssuerWorld]:
    async with issuer_world() as world:
        yield world


def bundled(name: str) -> ProviderRule:
    return next(rule for rule in BUNDLED.rules if rule.name == name)


def local(name: str, target: str) -> Providers:
    """The bundled table with ``name``'s first rule pointed at ``target`` (a local origin)."""
    rule = bundled(name)
    return BUNDLED.with_rules([ProviderRule(rule.name, rule.pattern, rule.action, target)])


def checks(verdict: Verdict) -> dict[str, bool | None]:
    return {check.name: check.ok for check in verdict.checks}


# The bundled table


@pytest.mark.parametrize(
    ("page", "name", "action", "machine_url"),
    [
        (
            f"https://www.credly.com/badges/{CREDLY_ID}/public_url",
            "Credly",
            "fetch",
            f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}",
        ),
        (
            f"https://www.credly.com/badges/{CREDLY_ID}/linked_in_profile",
            "Credly",
            "fetch",
            f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}",
        ),
        (
            f"https://CREDLY.com/earner/earned/badge/{CREDLY_ID}",
            "Credly",
            "fetch",
            f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}",
        ),
        (
            f"https://www.youracclaim.com/badges/{CREDLY_ID}",
            "Credly",
            "fetch",
            f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}",
        ),
        (
            "https://badgr.com/public/assertions/OnTs_y9OTvSMOYfHxrtu1g",
            "Badgr",
            "fetch",
            "https://api.badgr.io/public/assertions/OnTs_y9OTvSMOYfHxrtu1g",
        ),
        (
            "https://eu.badgr.com/public/assertions/OnTs_y9OTvSMOYfHxrtu1g?identity__email=a%40b.c",
            "Badgr",
            "fetch",
            "https://api.eu.badgr.io/public/assertions/OnTs_y9OTvSMOYfHxrtu1g",
        ),
        (
            "https://www.credential.net/e62a0eab-4375-4aca-b91d-da37eccb1407",
            "Accredible",
            "unsigned",
            "https://api.accredible.com/v1/credentials/e62a0eab-4375-4aca-b91d-da37eccb1407",
        ),
        (
            "https://learn.microsoft.com/api/credentials/share/en-us/Ada-1234/B9FC9F5037636B30?sharingId=1",
            "Microsoft Learn",
            "unsigned",
            None,
        ),
        (
            "https://learn.microsoft.com/en-us/users/ada-1234/credentials/b9fc9f5037636b30",
            "Microsoft Learn",
            "unsigned",
            None,
        ),
        ("https://www.coursera.org/verify/ABCD1234", "Coursera", "no_credential", None),
        ("https://coursera.org/account/accomplishments/certificate/X1", "Coursera", "no_credential", None),
        ("https://courses.edx.org/certificates/0123abcd", "edX", "no_credential", None),
        ("https://www.linkedin.com/learning/certificates/4f1c", "LinkedIn Learning", "no_credential", None),
        ("https://www.udemy.com/certificate/UC-1234/", "Udemy", "no_credential", None),
        ("https://openbadgepassport.com/app/badge/info/12345", "Open Badge Passport", "no_credential", None),
    ],
)
def test_bundled_pages_map_to_their_provider(
    page: str, name: str, action: str, machine_url: str | None
) -> None:
    rule = BUNDLED.match(page)

    assert rule is not None
    assert (rule.name, rule.action, rule.machine_url(page)) == (name, action, machine_url)


@pytest.mark.parametrize(
    "url",
    [
        f"https://api.credly.com/v1/obi/v2/badge_assertions/{CREDLY_ID}",
        "https://api.badgr.io/public/assertions/OnTs_y9OTvSMOYfHxrtu1g",
        "https://api.accredible.com/v1/frontend/credential_website_embed_image/badge/1",
        "https://www.credly.com/users/ada/badges",
        "https://credly.com.evil.example/badges/abc",
        "https://issuer.example/badges/1",
    ],
)
def test_machine_urls_and_other_pages_pass_through(url: str) -> None:
    assert BUNDLED.match(url) is None


def test_the_channel_watch_looks_for_every_provider_page() -> None:
    patterns = BUNDLED.page_patterns()

    assert len(patterns) == len(BUNDLED.rules)
    assert any(pattern.match("https://www.coursera.org/verify/X") for pattern in patterns)


# Rules


def test_admin_rules_are_tried_before_bundled_ones() -> None:
    mine = ProviderRule.parse(
        "Credly mirror", r"https://www\.credly\.com/badges/(?P<id>\w+)", "no_credential"
    )

    assert BUNDLED.with_rules([mine]).match("https://www.credly.com/badges/abc") is mine
    assert BUNDLED.match("https://www.credly.com/badges/abc") is bundled("Credly")


def test_values_from_the_pasted_url_cannot_change_the_targets_host_or_path() -> None:
    rule = ProviderRule.parse(
        "Academy", r"https://academy\.example/b/(?P<id>.+)", "fetch", "https://api.academy.example/a/{id}"
    )

    mapped = rule.machine_url("https://academy.example/b/x@evil.example/../y?z=1#w")

    assert mapped == "https://api.academy.example/a/x%40evil.example%2F..%2Fy%3Fz%3D1%23w"
    assert httpx.URL(mapped).host == "api.academy.example"


def test_patterns_from_the_config_ignore_case() -> None:
    rule = ProviderRule.parse("Academy", r"https://academy\.example/", "no_credential")

    assert rule.pattern.flags & re.IGNORECASE
    assert Providers([rule]).match("HTTPS://Academy.Example/cert/1") is rule


@pytest.mark.parametrize(
    ("pattern", "action", "target", "field"),
    [
        ("(unclosed", "fetch", "https://x.example/{id}", "pattern"),
        ("https://a/", "scrape", None, "action"),
        ("https://a/", "fetch", None, "target"),
        ("https://a/", "no_credential", "https://x.example/", "target"),
        ("https://a/(?P<id>.+)", "fetch", "https://x.example/{name}", "target"),
        ("https://a/(?P<id>.+)", "fetch", "https://x.example/{id!r}", "target"),
        ("https://a/(?P<id>.+)", "fetch", "https://x.example/{id:>40}", "target"),
        ("https://a/(?P<id>.+)", "fetch", "https://x.example/{0}", "target"),
        ("https://a/(?P<id>.+)", "fetch", "file:///etc/{id}", "target"),
        ("https://a/(?P<id>.+)", "fetch", "https://x.example/{id", "target"),
    ],
)
def test_unusable_rules_name_the_field(pattern: str, action: str, target: str | None, field: str) -> None:
    with pytest.raises(ProviderRuleError) as raised:
        ProviderRule.parse("Academy", pattern, action, target)

    assert raised.value.field == field


# What members see


async def test_a_credly_page_verifies_its_open_badges_assertion(world: IssuerWorld) -> None:
    path = f"/v1/obi/v2/badge_assertions/{CREDLY_ID}"
    world.host(world.assertion(path))
    providers = local("Credly", world.home.url("/v1/obi/v2/badge_assertions/{id}"))
    verifier = Verifier(world.fetcher, clock=lambda: NOW, providers=providers)

    verdict = await verifier.verify(f"https://www.credly.com/badges/{CREDLY_ID}/public_url", emails=[EMAIL])

    assert (verdict.status, verdict.format, verdict.reason) == (Status.VALID, "ob2-hosted", "verified")
    assert verdict.checks[0].name == "provider" and verdict.checks[0].ok
    assert world.home.requests[0] == path


async def test_a_badgr_page_verifies_its_assertion_json(world: IssuerWorld) -> None:
    world.host(world.assertion("/public/assertions/OnTs_y9OTvSMOYfHxrtu1g"))
    providers = local("Badgr", world.home.url("/public/assertions/{id}"))
    verifier = Verifier(world.fetcher, clock=lambda: NOW, providers=providers)

    verdict = await verifier.verify("https://badgr.com/public/assertions/OnTs_y9OTvSMOYfHxrtu1g")

    assert verdict.status is Status.VALID


async def test_an_accredible_credential_is_shown_but_never_verified(world: IssuerWorld) -> None:
    world.home.route("/v1/credentials/10000005", ACCREDIBLE_CREDENTIAL)
    providers = local("Accredible", world.home.url("/v1/credentials/{id}"))
    verifier = Verifier(world.fetcher, clock=lambda: NOW, providers=providers)

    verdict = await verifier.verify("https://www.credential.net/10000005", emails=[EMAIL])

    assert (verdict.status, verdict.reason) == (Status.UNVERIFIABLE, "not_cryptographically_verifiable")
    assert verdict.reason in SELF_REPORTABLE
    assert verdict.format == "unsigned-json"
    assert verdict.credential is not None and verdict.issuer is not None
    assert verdict.credential.name == "Certified Cloud Practitioner"
    assert verdict.credential.skills == ("Cloud", "Security")
    assert verdict.credential.issued_on is not None and verdict.credential.issued_on.year == 2024
    assert verdict.issuer.name == "Example Cloud Academy"
    assert "https://www.credential.net/10000005" in verdict.message
    assert verdict.recipient is None  # unsigned data says nothing trustworthy about who earned it
    assert checks(verdict) == {"source": True, "fetch": True, "details": True, "proof": False}


async def test_a_provider_page_that_answers_html_is_still_named_unverifiable(world: IssuerWorld) -> None:
    world.home.route(
        "/en-us/users/ada/credentials/B9FC", "<html>Microsoft Learn</html>", content_type="text/html"
    )
    rule = ProviderRule.parse("Microsoft Learn", re.escape(world.home.url("/en-us/users/")), "unsigned")
    verifier = Verifier(world.fetcher, clock=lambda: NOW, providers=BUNDLED.with_rules([rule]))
    page = world.home.url("/en-us/users/ada/credentials/B9FC")

    verdict = await verifier.verify(page)

    assert (verdict.status, verdict.reason) == (Status.UNVERIFIABLE, "not_cryptographically_verifiable")
    assert page in verdict.message
    assert checks(verdict)["details"] is False


async def test_details_behind_a_login_are_still_named_unverifiable(world: IssuerWorld) -> None:
    world.home.route("/v1/credentials/7", {"error": "unauthorized"}, status=401)
    verifier = Verifier(world.fetcher, providers=local("Accredible", world.home.url("/v1/credentials/{id}")))

    verdict = await verifier.verify("https://www.credential.net/7")

    assert (verdict.status, verdict.reason) == (Status.UNVERIFIABLE, "not_cryptographically_verifiable")


async def test_a_credential_the_provider_does_not_have_is_a_fetch_failure(world: IssuerWorld) -> None:
    verifier = Verifier(world.fetcher, providers=local("Accredible", world.home.url("/v1/credentials/{id}")))

    verdict = await verifier.verify("https://www.credential.net/missing")

    assert (verdict.status, verdict.reason) == (Status.UNVERIFIABLE, "http_404")


@pytest.mark.parametrize(
    "page",
    [
        "https://www.coursera.org/verify/ABCD1234",
        "https://courses.edx.org/certificates/0123abcd",
        "https://www.linkedin.com/learning/certificates/4f1c",
    ],
)
async def test_html_certificate_pages_ask_for_a_verifiable_link_without_fetching(page: str) -> None:
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(500)

    async with Fetcher(transport=httpx.MockTransport(record)) as fetcher:
        verdict = await Verifier(fetcher).verify(page)

    assert (verdict.status, verdict.reason) == (Status.UNVERIFIABLE, "no_machine_readable_credential")
    assert verdict.reason in SELF_REPORTABLE
    assert "Open Badge" in verdict.message and "Credly" in verdict.message
    assert requests == []


async def test_other_urls_are_returned_unchanged_with_no_check_recorded() -> None:
    async with Fetcher() as fetcher:
        run = Verification(fetcher.session(), (), NOW)
        url = await resolve_provider_url(run, "https://issuer.example/assertions/1", BUNDLED)

    assert url == "https://issuer.example/assertions/1"
    assert run.verdict().checks == ()


async def test_resolving_an_unsigned_page_always_settles_the_run() -> None:
    async with Fetcher() as fetcher:
        run = Verification(fetcher.session(), (), NOW)
        with pytest.raises(Settled):
            await resolve_provider_url(run, "https://www.coursera.org/verify/X", BUNDLED)

    assert run.verdict().format == "web-page"


# The command line uses the config file's rules too


def test_credcord_verify_applies_the_config_files_provider_rules(tmp_path: Path) -> None:
    with LocalServer() as server:
        server.route("/cert/77", "<html>certificate</html>", content_type="text/html")
        config = tmp_path / "config.toml"
        config.write_text(
            "[[verification.providers]]\n"
            'name = "Example Academy"\n'
            f"pattern = '{re.escape(server.url('/cert/'))}'\n"
            'action = "no_credential"\n',
            encoding="utf-8",
        )

        code = main(["--config", str(config), "verify", server.url("/cert/77"), "--allow-private-network"])

        assert code == 1
        assert server.requests == []
