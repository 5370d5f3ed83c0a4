"""The mentorship's buttons and forms, and the courier that sends what the services decide.

Every button is a ``DynamicItem`` whose custom id (``mentor:<action>:<id>…``) carries all it needs, so the
buttons keep working after a restart; the services check who may press them.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any, Literal, Self

import discord

from bot.app import CredcordBot, send_ephemeral
from bot.errors import NotAllowed
from bot.mentorship.model import (
    MAX_COMMENT,
    MAX_REASON,
    CheckinAnswer,
    MatchIntro,
    Offer,
    Outcome,
    Pairing,
    RequestResult,
)
from bot.text import clip, safe
from cogs._admin import require_manage_guild
from cogs._mentorship_render import ANSWER_LABELS, closed_text, intro_text, offer_embed, queued_text, when
from cogs._ui import Modal, PersistentButton, bot_of

log = logging.getLogger(__name__)

# A week: pairs meet weekly, and a thread that archives sooner hides itself from them.
THREAD_ARCHIVE_MINUTES: Literal[10080] = 10080


def pings(*user_ids: int) -> discord.AllowedMentions:
    """Mentions that notify exactly these members (the client default notifies nobody)."""
    return discord.AllowedMentions(users=[discord.Object(user_id) for user_id in user_ids])


# Buttons


class OfferButton(PersistentButton, template=r"mentor:(?P<action>accept|decline):(?P<offer_id>[0-9]{1,20})"):
    """Accept or Decline on an offer; only the mentor it was sent to may press them."""

    def __init__(self, action: str, offer_id: int) -> None:
        accept = action == "accept"
        super().__init__(
            f"mentor:{action}:{offer_id}",
            "Accept" if accept else "Decline",
            discord.ButtonStyle.success if accept else discord.ButtonStyle.danger,
        )
        self.action = action
        self.offer_id = offer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["action"], int(match["offer_id"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        mentorship = bot.services.mentorship
        if self.action == "decline":
            await mentorship.answerable(self.offer_id, interaction.user.id)
            await interaction.response.send_modal(DeclineModal(self.offer_id))
            return
        result = await mentorship.accept(self.offer_id, interaction.user.id)
        pairing = result.pairing
        await interaction.response.edit_message(
            content=f"✅ Accepted: you now mentor <@{pairing.mentee_id}> in **{safe(pairing.skill, 100)}**.",
            embed=None,
            view=None,
        )
        await Courier(bot).deliver(result.outcome)


def offer_view(offer_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OfferButton("accept", offer_id))
    view.add_item(OfferButton("decline", offer_id))
    return view


class PickButton(
    PersistentButton, template=r"mentor:pick:(?P<request_id>[0-9]{1,20}):(?P<mentor_id>[0-9]{1,20})"
):
    """Choose a mentor from the ranked list; mentor 0 asks the best one first."""

    def __init__(self, request_id: int, mentor_id: int, label: str) -> None:
        super().__init__(
            f"mentor:pick:{request_id}:{mentor_id}",
            label,
            discord.ButtonStyle.primary if mentor_id == 0 else discord.ButtonStyle.secondary,
        )
        self.request_id = request_id
        self.mentor_id = mentor_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["request_id"]), int(match["mentor_id"]), "")

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        chosen = self.mentor_id or None
        outcome = await bot.services.mentorship.pick(self.request_id, interaction.user.id, chosen)
        if outcome.offers:
            text = (
                f"I asked <@{outcome.offers[0].mentor_id}>. You will be added to a private thread when they "
                "accept; if they decline or do not answer, I ask the next mentor."
            )
        else:
            text = "No mentor is available right now: your request waits for an admin's matching round."
        await interaction.response.edit_message(content=text, embed=None, view=None)
        # The reply above already told the member about the queue; no DM to say it twice.
        await Courier(bot).deliver(replace(outcome, exhausted=()))


def choices_view(result: RequestResult) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, choice in enumerate(result.choices, 1):
        view.add_item(PickButton(result.request.id, choice.user_id, f"Ask #{index}"))
    view.add_item(PickButton(result.request.id, 0, "Ask the best first"))
    return view


class CheckinButton(
    PersistentButton, template=r"mentor:checkin:(?P<pairing_id>[0-9]{1,20}):(?P<answer>met|not_yet|ended)"
):
    """ "Did you meet?" a week in; only the two members of the pairing may answer."""

    def __init__(self, pairing_id: int, answer: CheckinAnswer) -> None:
        super().__init__(
            f"mentor:checkin:{pairing_id}:{answer.value}",
            ANSWER_LABELS[answer],
            discord.ButtonStyle.danger if answer is CheckinAnswer.ENDED else discord.ButtonStyle.secondary,
        )
        self.pairing_id = pairing_id
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["pairing_id"]), CheckinAnswer(match["answer"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        pairing = await bot.services.mentorship.checkin(self.pairing_id, interaction.user.id, self.answer)
        if self.answer is CheckinAnswer.ENDED:
            await interaction.response.send_modal(RatingModal(pairing.id))
            await announce_end(bot, pairing)
            return
        thanks = (
            "Great, glad you met! 🎉" if self.answer is CheckinAnswer.MET else "Noted: I hope you meet soon."
        )
        await send_ephemeral(interaction, thanks)


def checkin_view(pairing_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for answer in CheckinAnswer:
        view.add_item(CheckinButton(pairing_id, answer))
    return view


class RateButton(PersistentButton, template=r"mentor:rate:(?P<pairing_id>[0-9]{1,20})"):
    """Rate an ended pairing privately; only its two members may."""

    def __init__(self, pairing_id: int) -> None:
        super().__init__(
            f"mentor:rate:{pairing_id}", "Rate privately", discord.ButtonStyle.secondary, emoji="⭐"
        )
        self.pairing_id = pairing_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["pairing_id"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        await bot_of(interaction).services.mentorship.pairing(self.pairing_id, interaction.user.id)
        await interaction.response.send_modal(RatingModal(self.pairing_id))


class RoundButton(PersistentButton, template=r"mentor:(?P<action>publish|discard):(?P<round_id>[0-9]{1,20})"):
    """Publish or discard a round preview (Manage Server)."""

    def __init__(self, action: str, round_id: int) -> None:
        publish = action == "publish"
        super().__init__(
            f"mentor:{action}:{round_id}",
            "Publish" if publish else "Discard",
            discord.ButtonStyle.success if publish else discord.ButtonStyle.secondary,
        )
        self.action = action
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["action"], int(match["round_id"]))

    async def press(self, interaction: discord.Interaction[Any]) -> None:
        require_manage_guild(interaction)
        if interaction.guild_id is None:
            raise NotAllowed("Rounds are run inside the server.")
        bot = bot_of(interaction)
        admin = bot.services.mentorship_admin
        if self.action == "discard":
            await admin.discard_round(self.round_id, interaction.guild_id)
            await interaction.response.edit_message(content="Round discarded: nothing was sent.", view=None)
            return
        await interaction.response.defer()
        outcome = await admin.publish_round(self.round_id, interaction.guild_id)
        await interaction.edit_original_response(
            content=f"Round published: {len(outcome.offers)} offers sent to mentors.", view=None
        )
        await Courier(bot).deliver(outcome)


def round_view(round_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RoundButton("publish", round_id))
    view.add_item(RoundButton("discard", round_id))
    return view


DYNAMIC_ITEMS = (OfferButton, PickButton, CheckinButton, RateButton, RoundButton)


# Forms


class DeclineModal(Modal, title="Decline this request"):
    reason: discord.ui.TextInput[DeclineModal] = discord.ui.TextInput(
        label="Why not? (optional, only stored)",
        custom_id="reason",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=MAX_REASON,
    )

    def __init__(self, offer_id: int) -> None:
        super().__init__()
        self.offer_id = offer_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        outcome = await bot.services.mentorship.decline(self.offer_id, interaction.user.id, self.reason.value)
        text = "You declined this request; it goes to the next mentor. Thank you for answering."
        if interaction.message is not None:
            await interaction.response.edit_message(content=text, embed=None, view=None)
        else:
            await interaction.response.send_message(text, ephemeral=True)
        await Courier(bot).deliver(outcome)


class RatingModal(Modal, title="Rate your pairing (private)"):
    rating: discord.ui.TextInput[RatingModal] = discord.ui.TextInput(
        label="Rating from 1 (poor) to 5 (excellent)", custom_id="rating", min_length=1, max_length=1
    )
    comment: discord.ui.TextInput[RatingModal] = discord.ui.TextInput(
        label="Comment (optional, kept private)",
        custom_id="comment",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=MAX_COMMENT,
    )

    def __init__(self, pairing_id: int) -> None:
        super().__init__()
        self.pairing_id = pairing_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        mentorship = bot_of(interaction).services.mentorship
        await mentorship.rate(self.pairing_id, interaction.user.id, self.rating.value, self.comment.value)
        await interaction.response.send_message("Thank you: your rating is saved privately.", ephemeral=True)


# Sending what the services decided


async def announce_end(bot: CredcordBot, pairing: Pairing) -> None:
    """Say in the pair's thread that the pairing ended, with a button for each side to rate it."""
    if pairing.thread_id is None:
        return
    view = discord.ui.View(timeout=None)
    view.add_item(RateButton(pairing.id))
    text = f"This pairing was ended by <@{pairing.ended_by}>."
    if pairing.end_reason:
        text += f" Reason: {safe(pairing.end_reason, 300)}"
    try:
        await bot.get_partial_messageable(pairing.thread_id).send(text, view=view)
    except discord.HTTPException as error:
        log.warning("could not announce the end of pairing %s: %s", pairing.id, error)


class Courier:
    """Sends the messages an ``Outcome`` calls for; one failed message never stops the others."""

    def __init__(self, bot: CredcordBot) -> None:
        self.bot = bot
        self.mentorship = bot.services.mentorship

    async def deliver(self, outcome: Outcome) -> None:
        steps: list[tuple[str, Callable[[], Awaitable[Any]]]] = []
        steps += [(f"withdraw offer {o.id}", partial(self._withdraw, o)) for o in outcome.withdrawn]
        steps += [(f"open pairing {m.pairing.id}", partial(self._open, m)) for m in outcome.matches]
        steps += [(f"send offer {o.id}", partial(self._offer, o)) for o in outcome.offers]
        steps += [(f"remind offer {o.id}", partial(self._remind, o)) for o in outcome.reminders]
        steps += [
            (f"tell member about request {r.id}", partial(self._dm, r.user_id, queued_text(r.skill.name)))
            for r in outcome.exhausted
        ]
        steps += [(f"check in pairing {p.id}", partial(self._checkin, p)) for p in outcome.checkins]
        for label, step in steps:
            try:
                await step()
            except Exception:
                log.exception("mentorship: could not %s", label)

    def _guild_name(self, guild_id: int) -> str:
        guild = self.bot.get_guild(guild_id)
        return guild.name if guild is not None else "a server"

    async def _dm(self, user_id: int, text: str, **kwargs: Any) -> discord.Message | None:
        """DM a member; None when their DMs are closed."""
        try:
            channel = await self.bot.create_dm(discord.Object(user_id))
            return await channel.send(text, **kwargs)
        except discord.HTTPException as error:
            log.info("could not DM member %s: %s", user_id, error)
            return None

    async def _offer(self, offer: Offer) -> None:
        embed = offer_embed(offer, self._guild_name(offer.guild_id))
        message = await self._dm(offer.mentor_id, "", embed=embed, view=offer_view(offer.id))
        if message is None:
            # DMs closed: mention the mentor in the mentorship channel instead, with the same buttons.
            channel_id = await self.bot.services.mentorship_admin.channel(offer.guild_id)
            if channel_id is None:
                log.warning(
                    "offer %s: the mentor's DMs are closed and no mentorship channel is set", offer.id
                )
                return
            message = await self.bot.get_partial_messageable(channel_id).send(
                f"<@{offer.mentor_id}>, a member asks for your mentoring (I could not DM you):",
                embed=embed,
                view=offer_view(offer.id),
                allowed_mentions=pings(offer.mentor_id),
            )
        await self.mentorship.record_offer_message(offer.id, message.channel.id, message.id)

    async def _remind(self, offer: Offer) -> None:
        if offer.channel_id is None:
            return
        text = (
            f"⏰ Reminder <@{offer.mentor_id}>: <@{offer.mentee_id}> still waits for your answer on their "
            f"**{safe(offer.skill, 100)}** request. It goes to the next mentor {when(offer.expires_at)}."
        )
        await self.bot.get_partial_messageable(offer.channel_id).send(
            text, view=offer_view(offer.id), allowed_mentions=pings(offer.mentor_id)
        )

    async def _withdraw(self, offer: Offer) -> None:
        if offer.channel_id is None or offer.message_id is None:
            return
        message = self.bot.get_partial_messageable(offer.channel_id).get_partial_message(offer.message_id)
        # A message the member deleted has nothing left to update.
        with contextlib.suppress(discord.NotFound):
            await message.edit(content=closed_text(offer), embed=None, view=None)

    async def _open(self, intro: MatchIntro) -> None:
        pairing = intro.pairing
        text = intro_text(intro)
        channel = self.bot.get_channel(intro.channel_id) if intro.channel_id is not None else None
        if isinstance(channel, discord.TextChannel):
            try:
                thread = await channel.create_thread(
                    name=clip(f"Mentorship · {pairing.skill}", 100),
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                )
                for member in (pairing.mentor_id, pairing.mentee_id):
                    await thread.add_user(discord.Object(member))
                await thread.send(text, allowed_mentions=pings(pairing.mentor_id, pairing.mentee_id))
                await self.mentorship.record_thread(pairing.id, thread.id)
                return
            except discord.HTTPException as error:
                log.warning("pairing %s: could not open its thread in %s: %s", pairing.id, channel.id, error)
        else:
            log.warning("pairing %s: no mentorship channel to open a thread in", pairing.id)
        # No thread: both members get the intro by DM and can talk there.
        for member in (pairing.mentor_id, pairing.mentee_id):
            await self._dm(member, text + "\n(I could not open a private thread for you: talk in DMs.)")

    async def _checkin(self, pairing: Pairing) -> None:
        assert pairing.thread_id is not None
        await self.bot.get_partial_messageable(pairing.thread_id).send(
            f"<@{pairing.mentor_id}> <@{pairing.mentee_id}>: it has been a week. Did you meet?",
            view=checkin_view(pairing.id),
            allowed_mentions=pings(pairing.mentor_id, pairing.mentee_id),
        )
