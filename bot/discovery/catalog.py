"""Roles and the credential programs that teach their skills.

Both ship as JSON in ``bot/data`` (``roles.json``, ``credentials.json``) and are
written against the curated skill list. An admin may add or replace entries by
key with a TOML file named in the config (``[discovery] catalog_file``)::

    [[roles]]
    key = "data-analyst"            # an existing key replaces that role
    name = "Data Analyst"
    summary = "Turns raw data into decisions."
    skills = [
        { skill = "SQL", weight = 3, required = true },
        { skill = "Tableau", weight = 1, required = false },
    ]

    [[programs]]
    key = "local-bootcamp"
    name = "Evening Data Bootcamp"
    provider = "City College"
    url = "https://example.org/bootcamp"
    skills = ["SQL", "Power BI"]
    format = "per_program"          # subscription | per_program | free
    cost_min = 400
    cost_max = 600
    currency = "USD"                # every program shares one currency, so costs compare
    cost_unit = "program"           # month (subscription) | program (per_program) | none (free)
    weeks_min = 8
    weeks_max = 10
    assessed_project = true
    stacks_into = "City College Certificate in Analytics"   # optional
    as_of = 2025-06-01              # when the price was checked

Costs are estimates as of ``as_of`` and are always shown with a note that prices
change. Anything wrong stops start-up with one line naming the file, the entry
and the field.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast, get_args
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.skills import SkillCatalog

ProgramFormat = Literal["subscription", "per_program", "free"]
CostUnit = Literal["month", "program", "none"]

MAX_KEY = 50
MAX_NAME = 100
MAX_SUMMARY = 300
MAX_ROLE_SKILLS = 25
MAX_WEIGHT = 10.0
MAX_PROGRAM_SKILLS = 25
MAX_URL = 300
MAX_COST = 100_000.0
MAX_WEEKS = 260.0
CATALOG_CURRENCY = "USD"

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_UNIT_OF_FORMAT: dict[str, str] = {"subscription": "month", "per_program": "program", "free": "none"}
# A subscription is billed by the calendar month.
_WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True, slots=True)
class RoleSkill:
    skill: str
    weight: float
    required: bool


@dataclass(frozen=True, slots=True)
class Role:
    key: str
    name: str
    summary: str
    skills: tuple[RoleSkill, ...]


@dataclass(frozen=True, slots=True)
class CredentialProgram:
    key: str
    name: str
    provider: str
    url: str
    skills: tuple[str, ...]
    format: ProgramFormat
    cost_min: float
    cost_max: float
    currency: str
    cost_unit: CostUnit
    weeks_min: float
    weeks_max: float
    assessed_project: bool
    stacks_into: str | None
    as_of: date

    @property
    def free(self) -> bool:
        """Free to take and to certify (costs are then zero)."""
        return self.format == "free"

    def estimated_cost(self) -> tuple[float, float]:
        """The total cost range over the typical duration (low price and pace, high price and pace).

        A subscription is paid for every started month: 10 weeks at $39-49 a month is 3 months.
        """
        if self.cost_unit == "month":
            return (
                self.cost_min * _months(self.weeks_min),
                self.cost_max * _months(self.weeks_max),
            )
        if self.cost_unit == "program":
            return (self.cost_min, self.cost_max)
        return (0.0, 0.0)


def _months(weeks: float) -> int:
    # Rounded first so 13.0 weeks (3.0 months in floating point) is not billed as 4.
    return max(1, math.ceil(round(weeks / _WEEKS_PER_MONTH, 6)))


class CatalogError(ConfigError):
    """A roles or credentials file is unusable; ``str(error)`` is one line naming file, entry and field."""


@dataclass(frozen=True, slots=True)
class Catalog:
    roles: Mapping[str, Role]
    programs: tuple[CredentialProgram, ...]

    def role(self, text: str) -> Role | None:
        """The role with this key or name, ignoring case and surrounding spaces."""
        wanted = _fold(text)
        found = self.roles.get(wanted)
        if found is not None:
            return found
        return next((role for role in self.roles.values() if _fold(role.name) == wanted), None)

    def suggest_roles(self, typed: str, limit: int = 25) -> list[Role]:
        """Autocomplete: names or keys starting with ``typed`` first, then those containing it."""
        wanted = _fold(typed)
        ordered = sorted(self.roles.values(), key=lambda role: role.name.casefold())
        if not wanted:
            return ordered[:limit]
        starts = [r for r in ordered if _fold(r.name).startswith(wanted) or r.key.startswith(wanted)]
        contains = [r for r in ordered if r not in starts and (wanted in _fold(r.name) or wanted in r.key)]
        return (starts + contains)[:limit]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_catalog(skills: SkillCatalog, override: Path | None = None) -> Catalog:
    """The bundled roles and programs, then the admin's TOML file (adds or replaces entries by key).

    Raises ``CatalogError`` naming the file, entry and field of the first problem.
    """
    data = resources.files("bot") / "data"
    roles_raw = _bundled_json(data / "roles.json", "roles.json", "roles")
    programs_raw = _bundled_json(data / "credentials.json", "credentials.json", "programs")
    roles = {role.key: (role, "roles.json") for role in _parse_roles("roles.json", roles_raw, skills)}
    programs = {program.key: program for program in _parse_programs("credentials.json", programs_raw, skills)}
    if override is not None:
        extra = _override_toml(override)
        for role in _parse_roles(str(override), extra.get("roles", []), skills):
            roles[role.key] = (role, str(override))
        for program in _parse_programs(str(override), extra.get("programs", []), skills):
            programs[program.key] = program
    _check_unique_names(roles)
    return Catalog(
        MappingProxyType({key: role for key, (role, _) in roles.items()}), tuple(programs.values())
    )


def _bundled_json(resource: Traversable, label: str, list_key: str) -> list[Any]:
    raw = json.loads(resource.read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("version") != 1 or not isinstance(raw.get(list_key), list):
        raise CatalogError(f"{label}: expected version 1 with a {list_key!r} list")
    items: list[Any] = raw[list_key]
    return items


def _override_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file not found") from None
    except OSError as error:
        raise CatalogError(f"{path}: cannot be read ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path}: not valid TOML: {error}") from None
    unknown = sorted(set(raw) - {"roles", "programs"})
    if unknown:
        raise CatalogError(f"{path}: [{unknown[0]}] is not known (use [[roles]] and [[programs]])")
    for table in ("roles", "programs"):
        if not isinstance(raw.get(table, []), list):
            raise CatalogError(f"{path}: {table} must be an array of tables ([[{table}]])")
    return raw


class _Entry:
    """One role or program being read, so every error names where it was found."""

    def __init__(self, source: str, table: str, index: int, raw: Any, known: frozenset[str]) -> None:
        self.where = f"{source}: {table}[{index}]"
        if not isinstance(raw, dict):
            raise CatalogError(f"{self.where}: must be a table of fields")
        key = raw.get("key")
        if isinstance(key, str):
            self.where += f" ({key[:MAX_KEY]})"
        unknown = sorted(set(raw) - known)
        if unknown:
            raise CatalogError(f"{self.where}: field {unknown[0]!r} is not known")
        self.raw: dict[str, Any] = raw

    def fail(self, field: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.where}: {field}: {problem}")

    def get(self, field: str) -> Any:
        if field not in self.raw:
            raise self.fail(field, "is missing")
        return self.raw[field]

    def text(self, field: str, limit: int, *, optional: bool = False) -> str:
        value = self.raw.get(field) if optional else self.get(field)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"must be non-empty text, not {value!r:.60}")
        value = " ".join(value.split())
        if len(value) > limit:
            raise self.fail(field, f"is {len(value)} characters long; the limit is {limit}")
        return value

    def slug(self) -> str:
        value = self.text("key", MAX_KEY)
        if not _SLUG.fullmatch(value):
            raise self.fail("key", f"{value!r} must be lower-case words joined by hyphens")
        return value

    def number(self, field: str, low: float, high: float, *, above: bool = False) -> float:
        value = self.get(field)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.fail(field, f"must be a number, not {value!r:.60}")
        if (value <= low if above else value < low) or value > high:
            relation = "above" if above else "at least"
            raise self.fail(field, f"must be {relation} {low:g} and at most {high:g}, not {value:g}")
        return float(value)

    def flag(self, field: str) -> bool:
        value = self.get(field)
        if not isinstance(value, bool):
            raise self.fail(field, f"must be true or false, not {value!r:.60}")
        return value

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        value = self.get(field)
        if value not in allowed:
            raise self.fail(field, f"must be one of {', '.join(allowed)}, not {value!r:.60}")
        return str(value)

    def day(self, field: str) -> date:
        value = self.get(field)
        # TOML has a native date; JSON carries the same as ISO text.
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(field, f"must be a date like 2025-06-01, not {value!r:.60}")

    def items(self, field: str, limit: int, *, wanted: str) -> list[Any]:
        """A list of 1 to ``limit`` items; ``wanted`` says what it must be, for the error."""
        value = self.get(field)
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"must be {wanted}")
        if len(value) > limit:
            raise self.fail(field, f"lists {len(value)} {field}; the limit is {limit}")
        return value

    def skill(self, field: str, value: Any, skills: SkillCatalog) -> str:
        if not isinstance(value, str):
            raise self.fail(field, f"must be a skill name, not {value!r:.60}")
        found = skills.lookup(value)
        if found is None:
            raise self.fail(field, f"{value[:60]!r} is not in the curated skill list (bot/data/skills.json)")
        return found.name


_ROLE_FIELDS = frozenset({"key", "name", "summary", "skills"})
_ROLE_SKILL_FIELDS = frozenset({"skill", "weight", "required"})
_PROGRAM_FIELDS = frozenset(
    {
        "key",
        "name",
        "provider",
        "url",
        "skills",
        "format",
        "cost_min",
        "cost_max",
        "currency",
        "cost_unit",
        "weeks_min",
        "weeks_max",
        "assessed_project",
        "stacks_into",
        "as_of",
    }
)


def _entries(
    source: str, table: str, items: list[Any], fields: frozenset[str]
) -> Iterator[tuple[_Entry, str]]:
    """Each entry of a table with its key; a key that appears twice in one file is refused."""
    seen: set[str] = set()
    for index, raw in enumerate(items):
        entry = _Entry(source, table, index, raw, fields)
        key = entry.slug()
        if key in seen:
            raise entry.fail("key", f"{key!r} appears twice in this file")
        seen.add(key)
        yield entry, key


def _parse_roles(source: str, items: list[Any], skills: SkillCatalog) -> list[Role]:
    return [
        Role(
            key=key,
            name=entry.text("name", MAX_NAME),
            summary=entry.text("summary", MAX_SUMMARY),
            skills=_role_skills(entry, skills),
        )
        for entry, key in _entries(source, "roles", items, _ROLE_FIELDS)
    ]


def _role_skills(entry: _Entry, skills: SkillCatalog) -> tuple[RoleSkill, ...]:
    raw = entry.items("skills", MAX_ROLE_SKILLS, wanted="a non-empty list")
    found: dict[str, RoleSkill] = {}
    for index, item in enumerate(raw):
        field = f"skills[{index}]"
        if not isinstance(item, dict):
            raise entry.fail(field, "must be a table with skill, weight and required")
        unknown = sorted(set(item) - _ROLE_SKILL_FIELDS)
        if unknown:
            raise entry.fail(f"{field}.{unknown[0]}", "is not a known field")
        for needed in ("skill", "weight", "required"):
            if needed not in item:
                raise entry.fail(f"{field}.{needed}", "is missing")
        name = entry.skill(f"{field}.skill", item["skill"], skills)
        if name in found:
            raise entry.fail(f"{field}.skill", f"{name!r} is listed twice")
        weight = item["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= MAX_WEIGHT:
            raise entry.fail(f"{field}.weight", f"must be a number above 0 and at most {MAX_WEIGHT:g}")
        required = item["required"]
        if not isinstance(required, bool):
            raise entry.fail(f"{field}.required", "must be true or false")
        found[name] = RoleSkill(name, float(weight), required)
    if not any(skill.required for skill in found.values()):
        raise entry.fail("skills", "at least one skill must be required")
    return tuple(found.values())


def _parse_programs(source: str, items: list[Any], skills: SkillCatalog) -> list[CredentialProgram]:
    entries = _entries(source, "programs", items, _PROGRAM_FIELDS)
    return [_program(entry, key, skills) for entry, key in entries]


def _program(entry: _Entry, key: str, skills: SkillCatalog) -> CredentialProgram:
    url = entry.text("url", MAX_URL)
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise entry.fail("url", f"must be an https URL, not {url[:60]!r}")
    raw_skills = entry.items("skills", MAX_PROGRAM_SKILLS, wanted="a non-empty list of skill names")
    taught: dict[str, None] = {}
    for index, value in enumerate(raw_skills):
        taught.setdefault(entry.skill(f"skills[{index}]", value, skills), None)

    program_format = entry.choice("format", get_args(ProgramFormat))
    cost_unit = entry.choice("cost_unit", get_args(CostUnit))
    if cost_unit != _UNIT_OF_FORMAT[program_format]:
        raise entry.fail(
            "cost_unit", f"must be {_UNIT_OF_FORMAT[program_format]!r} for a {program_format} program"
        )
    cost_min = entry.number("cost_min", 0, MAX_COST)
    cost_max = entry.number("cost_max", 0, MAX_COST)
    if cost_max < cost_min:
        raise entry.fail("cost_max", f"{cost_max:g} is below cost_min {cost_min:g}")
    if (program_format == "free") != (cost_max == 0):
        raise entry.fail("cost_max", "must be 0 exactly when the format is free")
    currency = entry.text("currency", 3)
    if not _CURRENCY.fullmatch(currency):
        raise entry.fail("currency", f"must be a three-letter code like USD, not {currency!r}")
    if currency != CATALOG_CURRENCY:
        raise entry.fail("currency", f"must be {CATALOG_CURRENCY}, like every program, so costs compare")
    weeks_min = entry.number("weeks_min", 0, MAX_WEEKS, above=True)
    weeks_max = entry.number("weeks_max", 0, MAX_WEEKS, above=True)
    if weeks_max < weeks_min:
        raise entry.fail("weeks_max", f"{weeks_max:g} is below weeks_min {weeks_min:g}")
    stacks_into = entry.text("stacks_into", MAX_NAME, optional=True) or None
    return CredentialProgram(
        key=key,
        name=entry.text("name", MAX_NAME),
        provider=entry.text("provider", MAX_NAME),
        url=url,
        skills=tuple(taught),
        format=cast(ProgramFormat, program_format),
        cost_min=cost_min,
        cost_max=cost_max,
        currency=currency,
        cost_unit=cast(CostUnit, cost_unit),
        weeks_min=weeks_min,
        weeks_max=weeks_max,
        assessed_project=entry.flag("assessed_project"),
        stacks_into=stacks_into,
        as_of=entry.day("as_of"),
    )


def _check_unique_names(roles: Mapping[str, tuple[Role, str]]) -> None:
    # role() also finds roles by name, so two roles must never share one.
    owners: dict[str, str] = {}
    for role, source in roles.values():
        other = owners.setdefault(_fold(role.name), role.key)
        if other != role.key:
            raise CatalogError(
                f"{source}: roles ({role.key}): name: {role.name!r} is already the name of {other!r}"
            )
