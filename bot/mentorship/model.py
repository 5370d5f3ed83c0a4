"""Mentorship values: mentors, requests, the offers sent to mentors, pairings, and what to send next.

Services change state and return an ``Outcome`` naming the messages the change calls for (offers to
deliver, reminders, withdrawn offers, new pairings, members to tell); the cog sends them. The state is
committed first, so a message that cannot be delivered never leaves the database half-changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.errors import InvalidInput
from bot.mentorship.ranking import RankedMentor
from bot.mentorship.rounds import RoundPlan
from bot.skills import SkillMatch

MIN_CAPACITY = 1
MAX_CAPACITY = 5
MAX_MENTOR_SKILLS = 25
MAX_NOTE = 300
MAX_GOAL = 500
MAX_REASON = 300
MAX_COMMENT = 1000
MAX_LANGUAGE = 30
CHOICES = 5
DECLINE_MEMORY_DAYS = 30


class RequestStatus(StrEnum):
    OPEN = "open"
    OFFERING = "offering"
    QUEUED = "queued"
    MATCHED = "matched"
    CANCELLED = "cancelled"


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class CheckinAnswer(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    ENDED = "ended"


class RoundStatus(StrEnum):
    PREVIEW = "preview"
    PUBLISHED = "published"
    DISCARDED = "discarded"


@dataclass(frozen=True, slots=True)
class Mentor:
    guild_id: int
    user_id: int
    skills: tuple[SkillMatch, ...]
    verified: frozenset[str]  # the offered skills a verified badge proves
    capacity: int
    active_mentees: int
    note: str | None
    paused_at: datetime | None
    paused_until: datetime | None
    started_at: datetime
    last_active_at: datetime

    def paused(self, now: datetime) -> bool:
        return self.paused_at is not None and (self.paused_until is None or self.paused_until > now)

    @property
    def full(self) -> bool:
        return self.active_mentees >= self.capacity


@dataclass(frozen=True, slots=True)
class MentorRequest:
    id: int
    guild_id: int
    user_id: int
    skill: SkillMatch
    goal: str | None
    language: str | None
    ask_again: bool
    status: RequestStatus
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Offer:
    """One mentor asked to take one request, with the request's details the mentor sees."""

    id: int
    guild_id: int
    request_id: int
    mentor_id: int
    mentee_id: int
    skill: str
    goal: str | None
    score: float
    reasons: tuple[str, ...]
    status: OfferStatus
    reason: str | None
    created_at: datetime
    expires_at: datetime
    reminded_at: datetime | None
    answered_at: datetime | None
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True, slots=True)
class Pairing:
    id: int
    guild_id: int
    request_id: int | None
    mentor_id: int
    mentee_id: int
    skill: str
    goal: str | None
    matched_at: datetime
    thread_id: int | None
    checkin_due_at: datetime
    ended_at: datetime | None
    ended_by: int | None
    end_reason: str | None

    def member(self, user_id: int) -> bool:
        return user_id in (self.mentor_id, self.mentee_id)

    def partner_of(self, user_id: int) -> int:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id


@dataclass(frozen=True, slots=True)
class MatchIntro:
    """What the pair's thread opens with."""

    pairing: Pairing
    shared_skills: tuple[str, ...]
    mentor_hours: tuple[str, ...]  # the overlapping hours in the mentor's local time
    mentee_hours: tuple[str, ...]  # the same hours in the mentee's local time
    channel_id: int | None  # where the thread goes; None when no channel is set up


@dataclass(frozen=True, slots=True)
class Outcome:
    """The messages a change of state calls for, in the order they should go out."""

    offers: tuple[Offer, ...] = ()  # new offers: ask the mentor, with Accept and Decline
    reminders: tuple[Offer, ...] = ()  # halfway to expiry with no answer
    withdrawn: tuple[Offer, ...] = ()  # no longer answerable: take the buttons off their message
    matches: tuple[MatchIntro, ...] = ()  # new pairings: open their thread
    exhausted: tuple[MentorRequest, ...] = ()  # no mentor left: tell the member it waits for a round
    checkins: tuple[Pairing, ...] = ()  # a week in: ask "Did you meet?" in the thread

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.offers + other.offers,
            self.reminders + other.reminders,
            self.withdrawn + other.withdrawn,
            self.matches + other.matches,
            self.exhausted + other.exhausted,
            self.checkins + other.checkins,
        )


@dataclass(frozen=True, slots=True)
class RequestResult:
    """A new request and the best mentors for it (empty: it waits in the queue)."""

    request: MentorRequest
    choices: tuple[RankedMentor, ...]
    outcome: Outcome = field(default_factory=Outcome)


@dataclass(frozen=True, slots=True)
class AcceptResult:
    pairing: Pairing
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class Status:
    """``/mentor status``: everything in flight for one member."""

    user_id: int
    mentor: Mentor | None
    request: MentorRequest | None
    request_offer: Offer | None  # the pending offer for the member's request
    offers: tuple[Offer, ...]  # offers waiting for the member's answer as a mentor
    pairings: tuple[Pairing, ...]  # active


@dataclass(frozen=True, slots=True)
class RoundPreview:
    round_id: int
    plan: RoundPlan
    mentees: dict[int, int]  # request id -> member id, for the pairs and the unmatched
    requests: int
    mentors: int  # mentors with a free slot


@dataclass(frozen=True, slots=True)
class Stats:
    requests: int
    open_requests: int
    queued: tuple[tuple[int, str], ...]  # (member, skill) waiting for a round
    offers_answered: int
    offers_accepted: int
    median_accept_hours: float | None
    active_pairings: int
    ended_pairings: int
    checkins: dict[CheckinAnswer, int]
    mentors: int
    mentors_at_capacity: int
    average_rating: float | None

    @property
    def acceptance_rate(self) -> float | None:
        return self.offers_accepted / self.offers_answered if self.offers_answered else None


def check_capacity(capacity: int) -> int:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise InvalidInput("capacity", f"must be between {MIN_CAPACITY} and {MAX_CAPACITY} mentees")
    return capacity


def optional_text(name: str, value: str | None, limit: int) -> str | None:
    """Trimmed text, None when blank; refuses text over ``limit``."""
    cleaned = (value or "").strip()
    if len(cleaned) > limit:
        raise InvalidInput(name, f"is {len(cleaned)} characters long; the limit is {limit}")
    return cleaned or None


def check_rating(text: str) -> int:
    written = text.strip()
    if written not in {"1", "2", "3", "4", "5"}:
        raise InvalidInput("rating", "must be a whole number from 1 to 5")
    return int(written)
