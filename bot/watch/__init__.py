"""The channel watch: badges members post as ordinary messages, verified where they were posted."""

from bot.watch.candidates import AttachmentInfo, badge_images, credential_urls
from bot.watch.limits import QueueFull
from bot.watch.service import Finding, Mark, WatchedChannel, WatchLimits, WatchService, mark_of

__all__ = [
    "AttachmentInfo",
    "Finding",
    "Mark",
    "QueueFull",
    "WatchLimits",
    "WatchService",
    "WatchedChannel",
    "badge_images",
    "credential_urls",
    "mark_of",
]
