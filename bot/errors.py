"""The errors credcord raises on purpose.

Services raise these; one handler in the composition root turns a ``DomainError``
into a short ephemeral reply, so every message a member can see is written here.

    CredcordError
     ├── ConfigError            bad configuration: start-up stops with one line
     ├── DatabaseError
     │    ├── MigrationError    a migration failed; the database is unchanged
     │    └── DatabaseTooNew    the database was written by a newer credcord
     └── DomainError            a member or admin asked for something we refuse
          ├── InvalidInput      a field failed validation (names the field)
          ├── NotFound          the thing asked about does not exist
          ├── NotAllowed        the caller may not do this
          ├── Conflict          the request clashes with existing state
          └── RateLimited       too soon or too busy: try again later
"""

from __future__ import annotations


class CredcordError(Exception):
    """Base of every error credcord raises deliberately."""


class ConfigError(CredcordError):
    """The configuration cannot be used; the message names the key."""


class DatabaseError(CredcordError):
    """The database cannot be opened or upgraded."""


class MigrationError(DatabaseError):
    """A migration failed and was rolled back."""


class DatabaseTooNew(DatabaseError):
    """The database schema is newer than this version of credcord knows."""


class DomainError(CredcordError):
    """A refusal the member should see; ``str(error)`` is the text shown."""


class InvalidInput(DomainError):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotFound(DomainError):
    """Something the member referred to does not exist."""


class NotAllowed(DomainError):
    """The caller is not allowed to do this."""


class Conflict(DomainError):
    """The request clashes with existing state."""


class RateLimited(DomainError):
    """Too soon after the last request, or too many running at once."""
