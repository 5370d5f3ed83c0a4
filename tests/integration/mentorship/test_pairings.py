"""Pairings through SimCord: status, ending with a private rating, the weekly check-in, blocks."""

from __future__ import annotations

from simcord.builders import ChannelHandle

from tests.integration.conftest import button_labels, refusals
from tests.integration.mentorship.world import HOUR, Mentoring


async def paired(mentoring: Mentoring) -> ChannelHandle:
    """Alice asks, Bob accepts: their thread."""
    await mentoring.offer(mentoring.world.bob)
    await mentoring.ask_best()
    await mentoring.world.bob.user.click(mentoring.offer_dm(mentoring.world.bob), label="Accept")
    (thread,) = mentoring.threads()
    return thread


async def test_status_lists_requests_offers_and_pairings(mentoring: Mentoring) -> None:
    world = mentoring.world
    empty = await world.alice.slash(world.general, "mentor status")
    assert (empty.response.embeds[0].description or "").startswith("Nothing yet")

    await mentoring.offer(world.bob)
    await mentoring.ask_best()
    mine = (await world.alice.slash(world.general, "mentor status")).response.embeds[0]
    assert mine.fields[0].name == "Your request"
    assert f"Asked <@{world.bob.id}>, answer due <t:" in str(mine.fields[0].value)
    theirs = (await world.bob.slash(world.general, "mentor status")).response.embeds[0]
    assert [f.name for f in theirs.fields] == ["Mentoring", "Waiting for your answer"]

    await world.bob.user.click(mentoring.offer_dm(world.bob), label="Accept")
    (thread,) = mentoring.threads()
    after = (await world.alice.slash(world.general, "mentor status")).response.embeds[0]
    assert [f.name for f in after.fields] == ["Active pairings"]
    assert str(after.fields[0].value) == f"#1 · mentored by <@{world.bob.id}> · Python · <#{thread.id}>"


async def test_ending_a_pairing_asks_for_a_private_rating_and_frees_the_slot(mentoring: Mentoring) -> None:
    world = mentoring.world
    thread = await paired(mentoring)
    choices = await world.alice.autocomplete(world.general, "mentor end", "pairing", "")
    assert [(c["name"], c["value"]) for c in choices] == [("#1 · Python · your mentor", 1)]

    shown = await world.alice.slash(world.general, "mentor end", pairing=1, reason="Goal reached")
    assert shown.modal is not None
    rated = await world.alice.submit_modal(shown, {"rating": "5", "comment": "Great help"})
    assert rated.response.content == "Thank you: your rating is saved privately."

    note = thread.last_message
    assert (
        note is not None
        and note.content == f"This pairing was ended by <@{world.alice.id}>. Reason: Goal reached"
    )
    shown = await world.bob.click(note, label="Rate privately")
    bad = await world.bob.submit_modal(shown, {"rating": "7"})
    assert bad.response.content == "rating: must be a whole number from 1 to 5"
    status = await world.bob.slash(world.general, "mentor status")
    assert "0/2 mentees" in str(status.response.embeds[0].fields[0].value)
    again = await world.bob.slash(world.general, "mentor end", pairing=1)
    assert again.response.content == "This pairing has already ended."
    stranger = await mentoring.carol.slash(world.general, "mentor end", pairing=1)
    assert stranger.response.content.startswith("You have no pairing with that number")
    assert [type(e).__name__ for e in refusals(world.env)] == ["InvalidInput", "Conflict", "NotFound"]


async def test_a_week_in_the_thread_asks_did_you_meet(mentoring: Mentoring) -> None:
    world = mentoring.world
    thread = await paired(mentoring)

    await world.env.advance_time(7 * 24 * HOUR + HOUR)

    checkin = thread.last_message
    assert checkin is not None and checkin.content.endswith("it has been a week. Did you meet?")
    assert button_labels(checkin) == ["Yes", "Not yet", "End"]
    yes = await world.alice.click(checkin, label="Yes")
    assert yes.response.content == "Great, glad you met! 🎉"
    await world.env.advance_time(7 * 24 * HOUR)
    assert [m.content.endswith("Did you meet?") for m in thread.history()].count(True) == 1

    ended = await world.bob.click(checkin, label="End")
    assert ended.modal is not None
    assert thread.last_message.content.startswith(f"This pairing was ended by <@{world.bob.id}>.")  # type: ignore[union-attr]
    stats = await mentoring.admin.slash(world.general, "mentor stats")
    fields = {f.name: f.value for f in stats.response.embeds[0].fields}
    assert fields["Check-in answers"] == "Yes: 1 · Not yet: 0 · End: 1"
    assert fields["Active pairings"] == "0 (1 ended)"


async def test_a_block_keeps_both_members_apart(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.offer(mentoring.carol)
    blocked = await world.bob.slash(world.general, "mentor block", member=world.alice)
    assert blocked.response.content == "You will not be matched with alice again."

    picker = await mentoring.request()
    assert f"<@{world.bob.id}>" not in (picker.embeds[0].description or "")
    assert button_labels(picker) == ["Ask #1", "Ask the best first"]
    self_block = await world.bob.slash(world.general, "mentor block", member=world.bob)
    assert self_block.response.content == "member: you cannot block yourself"
    refusals(world.env)


async def test_one_open_request_at_a_time_and_cancel(mentoring: Mentoring) -> None:
    world = mentoring.world
    await mentoring.offer(world.bob)
    await mentoring.ask_best()
    twice = await world.alice.slash(world.general, "mentor request", skill="SQL")
    assert twice.response.content.startswith("You already have an open request for Python")

    cancelled = await world.alice.slash(world.general, "mentor cancel")
    assert cancelled.response.content == "Your request for **Python** is withdrawn."
    assert mentoring.dms(world.bob)[0].content.startswith("This request no longer needs your answer")
    assert [type(e).__name__ for e in refusals(world.env)] == ["Conflict"]
