"""A PNG chart of a member's coverage of a role, by skill category.

One bar per category, as long as the category's total weight allows: the
verified part solid green, the declared-only part amber, the missing part grey,
with the category's weighted coverage at the end. A picture reads faster than
a list of twenty skills.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from bot.discovery.coverage import RoleCoverage, SkillState

WIDTH = 760
MARGIN = 20
LABEL_WIDTH = 230
PERCENT_WIDTH = 56
ROW_HEIGHT = 34
BAR_HEIGHT = 20
HEADER_HEIGHT = 86
FOOTER_HEIGHT = 16

BACKGROUND = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
COLOURS: dict[SkillState, tuple[int, int, int]] = {
    "verified": (46, 157, 91),
    "declared": (230, 168, 23),
    "missing": (214, 218, 224),
}
LEGEND: tuple[tuple[SkillState, str], ...] = (
    ("verified", "verified"),
    ("declared", "declared only"),
    ("missing", "missing"),
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float
) -> str:
    """``text`` cut with an ellipsis so it is at most ``width`` pixels wide."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def coverage_chart(coverage: RoleCoverage) -> bytes:
    """The chart as PNG bytes."""
    categories = coverage.by_category()
    weights: dict[str, dict[SkillState, float]] = {}
    for skill in coverage.skills:
        per_state = weights.setdefault(skill.category, {"verified": 0.0, "declared": 0.0, "missing": 0.0})
        per_state[skill.state] += skill.weight
    heaviest = max((total for _, _, total in categories), default=1.0)

    height = HEADER_HEIGHT + ROW_HEIGHT * len(categories) + FOOTER_HEIGHT
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_font, body_font = _font(20), _font(15)

    title = _fit(draw, coverage.role.name, title_font, WIDTH - 2 * MARGIN - 160)
    draw.text((MARGIN, MARGIN), title, fill=INK, font=title_font)
    draw.text(
        (WIDTH - MARGIN, MARGIN), f"{coverage.percent:.0f}% covered", fill=INK, font=title_font, anchor="ra"
    )
    x = MARGIN
    for state, label in LEGEND:
        draw.rectangle((x, 58, x + 12, 70), fill=COLOURS[state])
        draw.text((x + 18, 56), label, fill=MUTED, font=body_font)
        x += 18 + int(draw.textlength(label, font=body_font)) + 24

    bar_left = MARGIN + LABEL_WIDTH
    bar_span = WIDTH - MARGIN - PERCENT_WIDTH - bar_left
    for row, (category, covered, total) in enumerate(categories):
        top = HEADER_HEIGHT + row * ROW_HEIGHT
        middle = top + ROW_HEIGHT // 2
        label = _fit(draw, category, body_font, LABEL_WIDTH - 12)
        draw.text((MARGIN, middle), label, fill=INK, font=body_font, anchor="lm")
        left = float(bar_left)
        for state in ("verified", "declared", "missing"):
            length = bar_span * weights[category][state] / heaviest
            if length > 0:
                draw.rectangle(
                    (left, middle - BAR_HEIGHT / 2, left + length, middle + BAR_HEIGHT / 2),
                    fill=COLOURS[state],
                )
            left += length
        share = 100 * covered / total if total else 0.0
        draw.text((WIDTH - MARGIN, middle), f"{share:.0f}%", fill=INK, font=body_font, anchor="rm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
