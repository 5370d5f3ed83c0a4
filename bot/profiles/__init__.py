"""Member profiles, per guild."""

from bot.profiles.model import Profile, ProfileOptions, ProfileText
from bot.profiles.service import ProfileService

__all__ = ["Profile", "ProfileOptions", "ProfileService", "ProfileText"]
