"""The coverage chart is a real PNG whose bars follow the coverage."""

from __future__ import annotations

import io

from PIL import Image

from bot.discovery.catalog import Role, RoleSkill, load_catalog
from bot.discovery.chart import COLOURS, HEADER_HEIGHT, ROW_HEIGHT, WIDTH, coverage_chart
from bot.discovery.coverage import RoleCoverage, role_coverage
from bot.skills import SkillCatalog

SKILLS = SkillCatalog.bundled()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def picture(coverage: RoleCoverage) -> Image.Image:
    data = coverage_chart(coverage)
    assert data.startswith(PNG_SIGNATURE)
    Image.open(io.BytesIO(data)).verify()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_chart_is_a_valid_png_with_one_row_per_category() -> None:
    role = load_catalog(SKILLS).roles["data-analyst"]
    coverage = role_coverage(role, verified={"SQL": "badge"}, declared={"Python"}, skills=SKILLS)
    image = picture(coverage)
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEADER_HEIGHT + ROW_HEIGHT * len(coverage.by_category()) + 16)


def test_bars_are_coloured_by_state() -> None:
    role = Role("r", "R", "s", (RoleSkill("SQL", 1.0, True), RoleSkill("Python", 1.0, True)))
    verified = picture(role_coverage(role, verified={"SQL": "b", "Python": "b"}, declared=(), skills=SKILLS))
    missing = picture(role_coverage(role, verified={}, declared=(), skills=SKILLS))
    colours_verified = {colour for _, colour in verified.convert("RGB").getcolors(maxcolors=1 << 16) or []}
    bar = (WIDTH // 2, HEADER_HEIGHT + ROW_HEIGHT // 2)
    assert verified.convert("RGB").getpixel(bar) == COLOURS["verified"]
    assert missing.convert("RGB").getpixel(bar) == COLOURS["missing"]
    assert COLOURS["verified"] in colours_verified and COLOURS["declared"] in colours_verified  # the legend


def test_long_names_and_every_category_still_render() -> None:
    one_per_category = {skill.category: skill.name for skill in SKILLS.skills}
    skills = tuple(RoleSkill(name, 1.0, True) for name in one_per_category.values())
    role = Role("wide", "A role with a very long name " * 8, "s", skills)
    image = picture(role_coverage(role, verified={}, declared={skills[0].skill}, skills=SKILLS))
    assert image.size == (WIDTH, HEADER_HEIGHT + ROW_HEIGHT * len(one_per_category) + 16)
