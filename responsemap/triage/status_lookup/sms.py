"""Status by SMS (and messaging apps): texting a reference code answers with its stage.

A message is a status query when it is the whole message: a status keyword in one of
the project's languages followed by a code ("STATUS D4EN-ACC6", "statut d4enacc6",
"حالة D4EN-ACC6"), or a bare code ("d4en acc6"); any case, accents ignored, dash or
space optional. "status of the water point" is feedback. A query makes no record: the
worker's sweep (``from_messages``) answers it on the channel it came in on, through the
send path (``do_queue_outbound``: audited, never to an opted-out contact), and leaves it
out of the records it makes.

Who may ask: whoever holds the code, like a parcel tracking code. The code is the
secret; the answer is the public stage only (``queries.public_status``), nothing of the
text or the sender. Lookups count against the texter's and the project's limits
(``guard``); over a limit nothing is looked up and nothing is sent back (an SMS costs the
project money, and a flood should cost it nothing more).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

from django.utils import translation
from django.utils.translation import gettext as _

from responsemap.intake.contacts.keywords import normalise_keyword, reply_language
from responsemap.intake.messages.models import InboundMessage, OutboundMessage
from responsemap.intake.messages.send import do_queue_outbound
from responsemap.triage.status_lookup.guard import claim_lookup, sms_client
from responsemap.triage.status_lookup.queries import PublicStatus, as_code, public_status

log = logging.getLogger(__name__)

STATUS_WORDS = {
    "status", "track", "check",  # English
    "statut", "etat", "suivi",  # French
    "estado", "estatus", "seguimiento",  # Spanish
    "حالة", "الحالة", "متابعة",  # Arabic
    "estati", "eta", "swivi",  # Haitian Creole
}  # fmt: skip
_STATUS = {normalise_keyword(word) for word in STATUS_WORDS}
# Longer than any keyword and code with spaces: a long message is never a query.
MAX_QUERY_LENGTH = 40
_PUNCTUATION = re.compile(r"[^\w\s]")


def status_query_code(text: str) -> str | None:
    """The code a status query asks about ("" if what follows the keyword is no
    reference), or None if the message is not a status query."""
    if len(text) > MAX_QUERY_LENGTH:
        return None
    words = _PUNCTUATION.sub(" ", normalise_keyword(text)).split()
    if words and words[0] in _STATUS:
        rest = "".join(words[1:])
        if len(rest) != 8 or not rest.isalnum():
            return None
        # A mistyped code (a digit in it) gets the neutral answer; "status terrible" is
        # a message.
        return as_code(rest) if as_code(rest) or any(c.isdigit() for c in rest) else None
    bare = "".join(words)
    if 1 <= len(words) <= 2 and len(bare) == 8 and as_code(bare):
        return as_code(bare)
    return None


def answer_status_queries(
    messages: list[InboundMessage], texts: Mapping[uuid.UUID, str]
) -> list[InboundMessage]:
    """Answer the status queries among ``messages`` (``texts``: each one's text, by id);
    returns the others, which become records."""
    others: list[InboundMessage] = []
    for message in messages:
        code = status_query_code(texts[message.pk])
        if code is None or message.contact is None:
            others.append(message)
        else:
            _answer(message, code)
    return others


def _answer(message: InboundMessage, code: str) -> None:
    channel = message.channel
    project = channel.project
    contact = message.contact
    assert contact is not None
    if not claim_lookup(project.pk, sms_client(contact.pk)):
        log.info("status by SMS: rate limit reached for project %s", project.slug)
        return
    with translation.override(reply_language(contact.language, project.languages)):
        text = answer_text(public_status(project, code))
    do_queue_outbound(
        channel=channel,
        contact=contact,
        purpose=OutboundMessage.Purpose.REPLY,
        text=text,
        in_reply_to=message,
    )


def answer_text(found: PublicStatus | None) -> str:
    """The answer, in the active language: the stage, or the same neutral words whether
    the code is held by nobody or is no code at all."""
    if found is not None:
        return _("%(code)s: %(stage)s. %(explained)s") % {
            "code": found.reference,
            "stage": found.stage_words,
            "explained": found.explained,
        }
    return _(
        "We found no message with this code. Check it and send it again. To send us a "
        "message, write it in a few words."
    )
