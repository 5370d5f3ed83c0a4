"""Badge verification: fetch what a badge points at, safely, and say exactly what was found.

    verifier = Verifier(Fetcher())
    verdict = await verifier.verify(url_or_json_or_jws_or_image_bytes, emails=["member@example.org"])

Nothing here imports discord; the bot and ``credcord verify`` share it.
"""

from bot.verification.fetcher import Fetcher, FetchLimits, FetchPolicy
from bot.verification.verdict import Check, CredentialInfo, IssuerInfo, RecipientInfo, Status, Verdict
from bot.verification.verifier import Verifier

__all__ = [
    "Check",
    "CredentialInfo",
    "FetchLimits",
    "FetchPolicy",
    "Fetcher",
    "IssuerInfo",
    "RecipientInfo",
    "Status",
    "Verdict",
    "Verifier",
]
