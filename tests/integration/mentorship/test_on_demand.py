"""/mentor offer and request through SimCord: ranked picks, the DM handshake, cascades, expiry, capacity."""

from __future__ import annotations

from tests.integration.conftest import BotFactory, button_labels, restart
from tests.integration.mentorship.world import HOUR, Mentoring


async def test_an_offer_names_the_skills_and_defaults_to_the_profile(mentoring: Mentoring) -> None:
    text = await mentoring.offer(mentoring.world.bob, capacity=3, skills="python, Rust")
    assert text.startswith("You offer to mentor in Python, Rust, up to 3 mentees at once.")
    default = await mentoring.offer(mentoring.carol)
    assert default.startswith("You offer to mentor in Python,")


async def test_a_request_shows_the_best_mentors_and_why(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)

    picker = await mentoring.request(goal="Write my first package")

    assert picker.flags.ephemeral
    lines = (picker.embeds[0].description or "").splitlines()
    reasons = "offers Python · 8 h overlap · speaks English · 0/2 mentees · active today"
    assert lines[0] == f"**1.** <@{world.bob.id}> — {reasons}"
    assert lines[1].startswith(f"**2.** <@{mentoring.carol.id}> — offers Python · no overlap")
    assert button_labels(picker) == ["Ask #1", "Ask #2", "Ask the best first"]
    choices = await world.alice.autocomplete(world.general, "mentor request", "skill", "pyth")
    assert choices[0]["value"] == "Python"


async def test_accepting_opens_a_private_thread_with_both_members_and_an_intro(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)
    picker = await mentoring.request(goal="Write my first package")
    picked = await world.alice.click(picker, label="Ask #1")
    assert picked.response.content.startswith(f"I asked <@{world.bob.id}>.")
    assert mentoring.dms(mentoring.carol) == []

    offer = mentoring.offer_dm(world.bob)
    assert offer.embeds[0].title == "Mentorship request: Python"
    assert offer.embeds[0].fields[0].value == "Write my first package"
    assert button_labels(offer) == ["Accept", "Decline"]
    accepted = await world.bob.user.click(offer, label="Accept")

    assert accepted.response.content.startswith(f"✅ Accepted: you now mentor <@{world.alice.id}>")
    assert button_labels(mentoring.dms(world.bob)[-1]) == []
    (thread,) = mentoring.threads()
    assert thread.name == "Mentorship · Python"
    assert {world.alice.id, world.bob.id} <= set(thread._channel.thread_members)
    intro = thread.history()[0].content
    assert intro.startswith(f"👋 <@{world.bob.id}> meet <@{world.alice.id}>: you are paired for **Python**")
    assert "**Goal:** Write my first package" in intro
    assert "**Shared skills:** Python, SQL" in intro
    assert f"• <@{world.bob.id}>: 09:00–17:00 (Europe/Paris)" in intro
    assert f"• <@{world.alice.id}>: 09:00–17:00 (Europe/Berlin)" in intro


async def test_a_decline_with_a_reason_cascades_and_an_exhausted_list_tells_the_member(
    mentoring: Mentoring,
) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)
    await mentoring.ask_best()

    shown = await world.bob.user.click(mentoring.offer_dm(world.bob), label="Decline")
    assert shown.modal is not None
    declined = await world.bob.user.submit_modal(shown, {"reason": "Travelling this month"})
    assert declined.response.content.startswith("You declined this request")

    to_carol = mentoring.offer_dm(mentoring.carol)
    shown = await mentoring.carol.user.click(to_carol, label="Decline")
    await mentoring.carol.user.submit_modal(shown, {})

    told = mentoring.dms(world.alice)[-1].content
    assert told.startswith("No mentor is available for **Python** right now.")
    status = await world.alice.slash(world.general, "mentor status")
    assert "**Python** · queued" in str(status.response.embeds[0].fields[0].value)


async def test_no_answer_sends_a_reminder_halfway_then_moves_on(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)
    await mentoring.ask_best()

    await world.env.advance_time(35 * HOUR)
    assert len(mentoring.dms(world.bob)) == 1
    await world.env.advance_time(2 * HOUR)
    reminder = mentoring.dms(world.bob)[-1]
    assert reminder.content.startswith(f"⏰ Reminder <@{world.bob.id}>: <@{world.alice.id}> still waits")
    assert button_labels(reminder) == ["Accept", "Decline"]
    assert mentoring.dms(mentoring.carol) == []

    await world.env.advance_time(36 * HOUR)
    first = mentoring.dms(world.bob)[0]
    assert first.content.startswith("⌛ This request expired") and button_labels(first) == []
    assert button_labels(mentoring.offer_dm(mentoring.carol)) == ["Accept", "Decline"]
    late = await world.bob.user.click(reminder, label="Accept")
    assert "no longer waiting for your answer" in late.response.content


async def test_closed_dms_fall_back_to_a_mention_only_the_mentor_can_answer(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    world.env.inject_error(
        "POST",
        f"/channels/{world.bob.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )
    await mentoring.ask_best()

    posted = mentoring.channel.last_message
    assert posted is not None
    assert posted.content.startswith(f"<@{world.bob.id}>, a member asks for your mentoring")
    stranger = await mentoring.carol.click(posted, label="Accept")
    assert stranger.response.content == "This request was sent to another mentor: only they can answer it."

    accepted = await world.bob.click(posted, label="Accept")
    assert accepted.response.content.startswith("✅ Accepted")
    assert len(mentoring.threads()) == 1


async def test_pausing_declines_the_pending_offer_for_the_next_mentor(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)
    await mentoring.ask_best()

    paused = await world.bob.slash(world.general, "mentor pause", until="2026-02-01")
    assert paused.response.content.startswith("Paused: you get no new requests until <t:")
    assert "1 waiting request(s) went to other mentors" in paused.response.content
    assert mentoring.dms(world.bob)[0].content.startswith("This request no longer needs your answer (paused)")
    assert button_labels(mentoring.offer_dm(mentoring.carol)) == ["Accept", "Decline"]

    await world.bob.slash(world.general, "mentor resume")
    picker = await mentoring.request(mentoring.admin)
    assert f"<@{world.bob.id}>" in (picker.embeds[0].description or "")


async def test_the_accept_that_fills_capacity_moves_the_mentors_other_requests_on(
    mentoring: Mentoring,
) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob, capacity=1)
    await mentoring.ask_best(world.alice)
    await mentoring.ask_best(mentoring.admin)
    first = next(m for m in mentoring.dms(world.bob) if button_labels(m))
    await mentoring.offer(mentoring.carol)

    accepted = await world.bob.user.click(first, label="Accept")

    assert accepted.response.content.startswith("✅ Accepted")
    assert len(mentoring.threads()) == 1
    withdrawn = mentoring.dms(world.bob)[1]
    assert withdrawn.content.startswith("This request no longer needs your answer (mentor is full)")
    assert button_labels(withdrawn) == []
    assert f"<@{mentoring.admin.id}>" in (mentoring.offer_dm(mentoring.carol).embeds[0].description or "")
    status = await world.bob.slash(world.general, "mentor status")
    assert "1/1 mentees" in str(status.response.embeds[0].fields[0].value)


async def test_offer_buttons_work_after_a_restart(mentoring: Mentoring, bots: BotFactory) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.ask_best()

    await restart(world.env, bots)

    accepted = await world.bob.user.click(mentoring.offer_dm(world.bob), label="Accept")
    assert accepted.response.content.startswith("✅ Accepted")
    assert len(mentoring.threads()) == 1


async def test_without_a_thread_both_members_get_the_intro_by_dm(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.ask_best()
    world.env.inject_error("POST", f"/channels/{mentoring.channel.id}/threads", status=403, code=50013)

    await world.bob.user.click(mentoring.offer_dm(world.bob), label="Accept")

    assert mentoring.threads() == []
    for member in (world.alice, world.bob):
        intro = mentoring.dms(member)[-1].content
        assert intro.startswith(f"👋 <@{world.bob.id}> meet <@{world.alice.id}>")
        assert intro.endswith("(I could not open a private thread for you: talk in DMs.)")
