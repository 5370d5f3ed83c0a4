"""How the mentorship reads: offers, pick lists, intros, status, statistics and round previews.

Skills, goals, notes and reasons are member text: escaped and clipped here before they are shown.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.mentorship.model import (
    CheckinAnswer,
    MatchIntro,
    Offer,
    OfferStatus,
    RequestResult,
    RoundPreview,
    Stats,
    Status,
)
from bot.text import EMBED_DESCRIPTION, MESSAGE_CONTENT, clip, escape, join_clipped, safe
from cogs._ui import add_field

COLOUR = discord.Colour.teal()
ANSWER_LABELS = {CheckinAnswer.MET: "Yes", CheckinAnswer.NOT_YET: "Not yet", CheckinAnswer.ENDED: "End"}
CLOSED = {
    OfferStatus.EXPIRED: "⌛ This request expired without an answer and went to another mentor.",
    OfferStatus.WITHDRAWN: "This request no longer needs your answer",
}


def when(moment: datetime) -> str:
    """A Discord timestamp: every reader sees it in their own time zone."""
    seconds = int(moment.timestamp())
    return f"<t:{seconds}:f> (<t:{seconds}:R>)"


def reasons_text(reasons: tuple[str, ...]) -> str:
    return safe(" · ".join(reasons), 300) or "a possible match"


def offer_embed(offer: Offer, guild_name: str) -> discord.Embed:
    embed = discord.Embed(
        title=safe(f"Mentorship request: {offer.skill}", 256),
        description=(
            f"<@{offer.mentee_id}> in **{safe(guild_name, 100)}** would like you to mentor them in "
            f"**{safe(offer.skill, 100)}**."
        ),
        colour=COLOUR,
    )
    if offer.goal:
        add_field(embed, "Their goal", safe(offer.goal, 1000), inline=False)
    add_field(embed, "Why you", reasons_text(offer.reasons), inline=False)
    add_field(embed, "Please answer by", when(offer.expires_at), inline=False)
    embed.set_footer(text="If you do not answer in time, the request goes to the next mentor.")
    return embed


def closed_text(offer: Offer) -> str:
    """What an offer's message says once it expired or was withdrawn (its buttons are gone)."""
    text = CLOSED.get(offer.status, "This request is closed.")
    if offer.status is OfferStatus.WITHDRAWN:
        text += f" ({safe(offer.reason or 'closed', 100)})."
    return f"{text}\nRequest from <@{offer.mentee_id}> for **{safe(offer.skill, 100)}**."


def choices_embed(result: RequestResult) -> discord.Embed:
    lines = [
        f"**{index}.** <@{choice.user_id}> — {reasons_text(choice.reasons)}"
        for index, choice in enumerate(result.choices, 1)
    ]
    embed = discord.Embed(
        title=safe(f"Mentors for {result.request.skill.name}", 256),
        description=clip("\n".join(lines), EMBED_DESCRIPTION),
        colour=COLOUR,
    )
    embed.set_footer(text="Pick one, or let me ask the best first. If they decline, I ask the next.")
    return embed


def intro_text(intro: MatchIntro) -> str:
    pairing = intro.pairing
    lines = [
        f"👋 <@{pairing.mentor_id}> meet <@{pairing.mentee_id}>: you are paired for "
        f"**{safe(pairing.skill, 100)}** (pairing #{pairing.id}).",
    ]
    if pairing.goal:
        lines.append(f"**Goal:** {safe(pairing.goal, 600)}")
    shared = join_clipped([escape(s) for s in intro.shared_skills], 300)
    lines.append(f"**Shared skills:** {shared}")
    if intro.mentor_hours:
        lines.append("**Overlapping working hours** (09:00–17:00 local, today):")
        # Time zone names come from the IANA list (validated on the profile), not free text.
        lines.append(f"• <@{pairing.mentor_id}>: {', '.join(intro.mentor_hours)}")
        lines.append(f"• <@{pairing.mentee_id}>: {', '.join(intro.mentee_hours)}")
    else:
        lines.append(
            "**Overlapping working hours:** none between 09:00 and 17:00 local time (or a time zone is not"
            " set: /profile edit sets it)."
        )
    lines.append("I will check in here in a week. Either of you can end the pairing with `/mentor end`.")
    return clip("\n".join(lines), MESSAGE_CONTENT)


def status_embed(status: Status, now: datetime) -> discord.Embed:
    embed = discord.Embed(title="Your mentorship", colour=COLOUR)
    mentor = status.mentor
    if mentor is not None:
        skills = join_clipped(
            [f"{escape(s.name)} ✓" if s.name in mentor.verified else escape(s.name) for s in mentor.skills],
            600,
        )
        state = "paused" if mentor.paused(now) else "available"
        if mentor.paused(now) and mentor.paused_until is not None:
            state += f" until {when(mentor.paused_until)}"
        add_field(
            embed,
            "Mentoring",
            f"{skills}\n{mentor.active_mentees}/{mentor.capacity} mentees · {state}",
            inline=False,
        )
    request = status.request
    if request is not None:
        text = f"**{safe(request.skill.name, 100)}** · {request.status.value}"
        if status.request_offer is not None:
            asked = status.request_offer
            text += f"\nAsked <@{asked.mentor_id}>, answer due {when(asked.expires_at)}"
        add_field(embed, "Your request", text, inline=False)
    offers = [f"<@{o.mentee_id}> · {safe(o.skill, 80)} · due {when(o.expires_at)}" for o in status.offers]
    add_field(embed, "Waiting for your answer", join_clipped(offers, 1000, separator="\n"), inline=False)
    pairings = [
        f"#{p.id} · {'mentoring' if p.mentor_id == status.user_id else 'mentored by'} "
        f"<@{p.partner_of(status.user_id)}> · {safe(p.skill, 80)}"
        + (f" · <#{p.thread_id}>" if p.thread_id else "")
        for p in status.pairings
    ]
    add_field(embed, "Active pairings", join_clipped(pairings, 1000, separator="\n"), inline=False)
    if not embed.fields:
        embed.description = (
            "Nothing yet: offer to mentor with /mentor offer, or ask for a mentor with /mentor request."
        )
    return embed


def stats_embed(stats: Stats) -> discord.Embed:
    embed = discord.Embed(title="Mentorship statistics", colour=COLOUR)
    add_field(embed, "Requests", f"{stats.requests} ({stats.open_requests} open)")
    rate = stats.acceptance_rate
    add_field(
        embed,
        "Acceptance rate",
        f"{rate:.0%} of {stats.offers_answered} answered offers" if rate is not None else "no answers yet",
    )
    median = stats.median_accept_hours
    add_field(embed, "Median time to accept", f"{median:.1f} h" if median is not None else "—")
    add_field(embed, "Active pairings", f"{stats.active_pairings} ({stats.ended_pairings} ended)")
    add_field(embed, "Mentors", f"{stats.mentors} ({stats.mentors_at_capacity} at capacity)")
    answers = " · ".join(f"{ANSWER_LABELS[a]}: {n}" for a, n in stats.checkins.items())
    add_field(embed, "Check-in answers", answers)
    rating = stats.average_rating
    add_field(embed, "Average rating", f"{rating:.1f} / 5" if rating is not None else "—")
    queued = [f"<@{user_id}> · {safe(skill, 80)}" for user_id, skill in stats.queued]
    add_field(
        embed, "Waiting for a round", join_clipped(queued, 1000, separator="\n") or "nobody", inline=False
    )
    return embed


def round_embed(preview: RoundPreview) -> discord.Embed:
    plan = preview.plan
    lines = [
        f"<@{preview.mentees.get(pair.request_id, pair.mentee_id)}> → <@{pair.mentor_id}> · {pair.score:.1f}"
        for pair in plan.pairs
    ]
    embed = discord.Embed(
        title="Mentorship round preview",
        description=join_clipped(lines, 3500, separator="\n") or "No pair scores high enough to propose.",
        colour=COLOUR,
    )
    add_field(embed, "Matched", f"{len(plan.pairs)} of {preview.requests} requests")
    add_field(embed, "Average score", f"{plan.average_score:.1f}" if plan.average_score is not None else "—")
    add_field(embed, "Mentors with free slots", str(preview.mentors))
    add_field(embed, "Worst score", f"{plan.worst_score:.1f}" if plan.worst_score is not None else "—")
    unmatched = [f"<@{preview.mentees[r]}>" for r in plan.unmatched if r in preview.mentees]
    add_field(embed, "Unmatched", join_clipped(unmatched, 1000) or "nobody", inline=False)
    embed.set_footer(text="Publish sends the offers to the mentors; Discard drops this plan.")
    return embed


def queued_text(skill: str) -> str:
    return (
        f"No mentor is available for **{safe(skill, 100)}** right now. Your request waits in the queue for"
        " an admin's matching round; /mentor status shows where it stands."
    )
