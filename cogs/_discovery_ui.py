"""How discovery looks in Discord: the skill map, search result pages, role listings and the digest."""

from __future__ import annotations

import discord

from bot.discovery.catalog import CredentialProgram, Role
from bot.discovery.coverage import SkillCoverage, Suggestion
from bot.discovery.model import Digest, RoleMember, SkillMap
from bot.discovery.search import FindResult
from bot.text import EMBED_DESCRIPTION, EMBED_FIELD_VALUE, EMBED_TITLE, clip, escape, join_clipped, safe
from cogs._ui import add_field

CHART_FILE = "skillmap.png"
PAGE_SIZE = 10
COLOUR = discord.Colour.teal()
MARKS = {"verified": "✓", "declared": "◻", "missing": "✗"}
PRICES_CHANGE = "Costs are estimates as of {as_of}; prices change, check with the provider."


async def present_members(guild: discord.Guild, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` are members of ``guild`` now.

    Stored data outlives a member's stay (without the privileged members intent the bot is not told
    who leaves), so results are checked against Discord before they are shown. One gateway request
    answers up to 100 ids and needs no privileged intent.
    """
    if not user_ids:
        return set()
    found = await guild.query_members(user_ids=user_ids[:100], limit=100, cache=False)
    return {member.id for member in found}


def paged(lines: list[str], size: int = PAGE_SIZE) -> list[str]:
    return [clip("\n".join(lines[i : i + size]), EMBED_DESCRIPTION) for i in range(0, len(lines), size)] or [
        ""
    ]


def result_line(rank: int, result: FindResult) -> str:
    return f"**{rank}.** <@{result.user_id}> · {safe(result.reasons, 300)}"


def _skill_line(skill: SkillCoverage) -> str:
    line = f"{MARKS[skill.state]} {escape(skill.skill)}"
    if skill.evidence:
        line += f" · via {safe(skill.evidence, 80)}"
    return line


def cost_text(program: CredentialProgram) -> str:
    """What a program costs: the published price, and the estimated total over its usual duration."""
    if program.free:
        return "free"
    low, high = program.cost_min, program.cost_max
    span = f"{low:,.0f}" if low == high else f"{low:,.0f}–{high:,.0f}"
    if program.cost_unit == "program":
        return f"{program.currency} {span} per program"
    total_low, total_high = program.estimated_cost()
    return f"{program.currency} {span}/month (about {total_low:,.0f}–{total_high:,.0f} in total)"


def weeks_text(program: CredentialProgram) -> str:
    low, high = program.weeks_min, program.weeks_max
    return f"{low:g} weeks" if low == high else f"{low:g}–{high:g} weeks"


def suggestion_line(suggestion: Suggestion) -> str:
    program = suggestion.program
    name = safe(program.name, 100)
    # Catalog URLs are https (checked at load); one that could break out of the link stays unlinked.
    linkable = not any(ch.isspace() or ch in "<>()[]" for ch in program.url)
    title = f"[{name}](<{program.url}>)" if linkable else name
    parts = [
        f"**{title}** · {safe(program.provider, 60)}",
        f"covers {join_clipped([escape(s) for s in suggestion.covers], 200)}",
        f"{cost_text(program)} · {weeks_text(program)}",
    ]
    extras = []
    if program.assessed_project:
        extras.append("assessed project")
    if program.stacks_into:
        extras.append(f"stacks into {safe(program.stacks_into, 80)}")
    if extras:
        parts.append(", ".join(extras))
    return "\n".join(parts)


def skillmap_embed(name: str, skillmap: SkillMap) -> discord.Embed:
    coverage, suggestions = skillmap.coverage, skillmap.suggestions
    skills, role = coverage.skills, coverage.role
    embed = discord.Embed(
        title=clip(f"{name} → {role.name}", EMBED_TITLE),
        description=(
            f"Coverage: **{coverage.percent:.0f}%** · ✓ verified by a badge · ◻ declared on the profile "
            "(counts half) · ✗ missing\n" + safe(role.summary, 400)
        ),
        colour=COLOUR,
    )
    for title, required in (("Required skills", True), ("Nice to have", False)):
        lines = [_skill_line(s) for s in skills if s.required is required]
        add_field(embed, title, join_clipped(lines, EMBED_FIELD_VALUE, separator="\n"), inline=False)
    if suggestions:
        lines = [suggestion_line(s) for s in suggestions]
        add_field(
            embed,
            "Credentials that close the gap (best value first)",
            join_clipped(lines, EMBED_FIELD_VALUE, separator="\n\n"),
            inline=False,
        )
        as_of = min(s.program.as_of for s in suggestions)
        embed.set_footer(text=PRICES_CHANGE.format(as_of=as_of.isoformat()))
    elif any(s.state == "missing" for s in skills):
        add_field(
            embed, "Credentials", "No program in the catalog teaches the missing skills yet.", inline=False
        )
    embed.set_image(url=f"attachment://{CHART_FILE}")
    return embed


def role_line(role: Role) -> str:
    return f"**{escape(role.name)}** (`{role.key}`) · {safe(role.summary, 200)}"


def role_embed(role: Role, members: list[RoleMember]) -> discord.Embed:
    embed = discord.Embed(
        title=clip(role.name, EMBED_TITLE), description=safe(role.summary, 600), colour=COLOUR
    )
    for title, required in (("Required skills", True), ("Nice to have", False)):
        lines = [f"{escape(s.skill)} (weight {s.weight:g})" for s in role.skills if s.required is required]
        add_field(embed, title, join_clipped(lines, EMBED_FIELD_VALUE), inline=False)
    lines = [f"<@{member.user_id}> · {member.percent:.0f}%" for member in members]
    add_field(
        embed,
        "Directory members who cover most of it",
        "\n".join(lines) or "Nobody in the directory covers this role yet.",
        inline=False,
    )
    embed.set_footer(text=f"/skillmap role:{role.key} shows your own gap and the credentials that close it")
    return embed


def digest_embed(digest: Digest) -> discord.Embed:
    embed = discord.Embed(
        title="📬 This week in the community",
        description=f"{digest.since:%d %b %H:%M} – {digest.until:%d %b %Y %H:%M} UTC",
        colour=COLOUR,
    )
    for section in digest.sections:
        add_field(
            embed,
            section.title,
            join_clipped(list(section.lines), EMBED_FIELD_VALUE, separator="\n"),
            inline=False,
        )
    if not embed.fields:
        embed.description = f"{embed.description}\n\nA quiet week: nothing new to report."
    return embed
