"""The bundled skill list keeps the promises its loader and the credential mapping rely on."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.skills import MAX_SKILL_LENGTH

# Trimmed, no doubled inner spaces: the loader collapses spacing, so anything else could never match.
_TIDY = r"^\S+( \S+)*$"
MAX_ALIAS_LENGTH = 80

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "categories", "skills"],
    "properties": {
        "version": {"const": 1},
        "categories": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "pattern": _TIDY, "maxLength": MAX_SKILL_LENGTH},
        },
        "skills": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "category", "aliases"],
                "properties": {
                    "name": {"type": "string", "pattern": _TIDY, "maxLength": MAX_SKILL_LENGTH},
                    "category": {"type": "string"},
                    "aliases": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {
                            "type": "string",
                            "pattern": _TIDY,
                            "minLength": 2,
                            "maxLength": MAX_ALIAS_LENGTH,
                        },
                    },
                },
            },
        },
    },
}


def _key(text: str) -> str:
    """The loader's matching rule: case and spacing do not count."""
    return re.sub(r"\s+", " ", text.strip()).casefold()


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    raw = (resources.files("bot") / "data" / "skills.json").read_bytes()
    loaded: dict[str, Any] = json.loads(raw.decode("utf-8"))
    return loaded


@pytest.fixture(scope="module")
def resolve(data: dict[str, Any]) -> dict[str, str]:
    """Every accepted spelling, keyed as the loader keys it, to its canonical name."""
    return {
        _key(spelling): skill["name"]
        for skill in data["skills"]
        for spelling in (skill["name"], *skill["aliases"])
    }


def test_file_matches_the_schema(data: dict[str, Any]) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in Draft202012Validator(SCHEMA).iter_errors(data)]
    assert errors == []


def test_there_are_300_to_450_skills_in_12_to_16_categories(data: dict[str, Any]) -> None:
    assert 300 <= len(data["skills"]) <= 450
    assert 12 <= len(data["categories"]) <= 16


def test_every_category_is_listed_and_used(data: dict[str, Any]) -> None:
    used = {skill["category"] for skill in data["skills"]}
    assert used == set(data["categories"])


def test_no_category_is_a_token_gesture(data: dict[str, Any]) -> None:
    sizes = Counter(skill["category"] for skill in data["skills"])
    assert min(sizes.values()) >= 10, sizes


def test_categories_and_skills_are_sorted(data: dict[str, Any]) -> None:
    assert data["categories"] == sorted(data["categories"], key=str.casefold)
    order = [(skill["category"].casefold(), skill["name"].casefold()) for skill in data["skills"]]
    assert order == sorted(order)


def test_no_spelling_is_claimed_twice_across_names_and_aliases(data: dict[str, Any]) -> None:
    owners: dict[str, list[str]] = {}
    for skill in data["skills"]:
        for spelling in (skill["name"], *skill["aliases"]):
            owners.setdefault(_key(spelling), []).append(skill["name"])
    clashes = {spelling: names for spelling, names in owners.items() if len(names) > 1}
    assert clashes == {}


def test_aliases_are_written_in_lower_case(data: dict[str, Any]) -> None:
    shouting = [alias for skill in data["skills"] for alias in skill["aliases"] if alias != alias.casefold()]
    assert shouting == []


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("js", "JavaScript"),
        ("ECMAScript", "JavaScript"),
        ("ts", "TypeScript"),
        ("golang", "Go"),
        ("node", "Node.js"),
        ("reactjs", "React"),
        ("postgres", "PostgreSQL"),
        ("mssql", "Microsoft SQL Server"),
        ("excel", "Microsoft Excel"),
        ("gcp", "Google Cloud"),
        ("Google Cloud Platform (GCP)", "Google Cloud"),
        ("Amazon Web Services (AWS)", "AWS"),
        ("Microsoft  Azure", "Azure"),
        ("k8s", "Kubernetes"),
        ("CI/CD", "CI/CD"),
        ("continuous integration", "CI/CD"),
        ("ml", "Machine Learning"),
        ("Machine Learning (ML)", "Machine Learning"),
        ("AI", "Artificial Intelligence"),
        ("GenAI", "Generative AI"),
        ("LLMs", "Large Language Models"),
        ("nlp", "Natural Language Processing"),
        ("seo", "SEO"),
        ("Search Engine Optimization (SEO)", "SEO"),
        ("Facebook Advertising", "Meta Ads"),
        ("ux", "UX Design"),
        ("UX/UI", "UI/UX Design"),
        ("photoshop", "Adobe Photoshop"),
        ("Agile Project Management", "Agile"),
        ("Cloud Computing", "Cloud Computing"),
        ("Data Visualization", "Data Visualization"),
        ("Data Analytics", "Data Analysis"),
        ("Version Control", "Git"),
        ("Identity and Access Management (IAM)", "Identity and Access Management"),
        ("pentesting", "Penetration Testing"),
        ("quickbooks online", "QuickBooks"),
        ("Office 365", "Microsoft 365"),
        ("voiceover", "Voice Over"),
    ],
)
def test_common_and_issuer_spellings_resolve_to_the_canonical_name(
    resolve: dict[str, str], written: str, canonical: str
) -> None:
    assert resolve.get(_key(written)) == canonical


@pytest.mark.parametrize(
    "ambiguous", ["ps", "pr", "pm", "cv", "ap", "ar", "ba", "va", "ad", "ip", "tf", "ga", "rn"]
)
def test_ambiguous_abbreviations_stay_unrecognised(resolve: dict[str, str], ambiguous: str) -> None:
    assert ambiguous not in resolve
