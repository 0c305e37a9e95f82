"""Telegram bots (Bot API webhook).

Inbound: Telegram POSTs one JSON ``Update`` per request. Authenticity: the
``X-Telegram-Bot-Api-Secret-Token`` header carries the ``secret_token`` we gave
``setWebhook``; it must equal ``secrets["secret_token"]``.

What becomes a message: a ``message`` in a private chat with text (or a caption, stored
as "[photo] caption": the media itself is never fetched). Everything else — edited
messages, stickers, callback queries, channel posts, membership changes, and any message
in a group, where one "contact" would be many people and a consent notice would reach
them all — is acknowledged and stored nowhere. Ask for ``allowed_updates=["message"]``
(``setup_help``) and Telegram sends little else.

Ids: message ids count per chat, so ours is "<chat id>:<message id>". The sender is the
handle "telegram:<chat id>" (Telegram gives bots no phone number); replies go to that
chat.

Delivery reports: the Bot API has none. ``parse_status`` returns nothing; a message is
"sent" once ``sendMessage`` accepted it and never becomes "delivered".

Send: POST ``https://api.telegram.org/bot<token>/sendMessage`` (chat_id, text).

Channel: ``address`` is the bot's @username (for people); ``secrets`` =
{"bot_token", "secret_token"} (secret_token: 1–256 of A-Z a-z 0-9 _ -).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import requests
from django.http import HttpRequest

from responsemap.intake.channels.base import (
    ChannelType,
    Inbound,
    Outgoing,
    Rejected,
    SendFailed,
    check_given,
    json_object,
    require_given,
    require_secret,
    unreachable,
)
from responsemap.intake.channels.models import Channel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
API_URL = "https://api.telegram.org/bot{token}/{method}"
TIMEOUT_SECONDS = 10
MAX_TEXT = 4096
# Telegram ids fit in 52 bits (its documentation promises it, for JavaScript's sake).
MAX_ID = 2**53
# Unix times from 2000 to 2100: anything else is not a time Telegram sends.
EARLIEST, LATEST = 946_684_800, 4_102_444_800

BOT_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,128}")
CHAT_ID = re.compile(r"-?\d{1,20}")
DESCRIPTION = re.compile(r"[A-Za-z0-9 :,.'_()-]{1,120}")
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Message fields that carry media with an optional caption, and how we label them.
MEDIA = {
    "photo": "[photo]",
    "video": "[video]",
    "document": "[document]",
    "audio": "[audio]",
    "voice": "[voice]",
    "animation": "[animation]",
}


def _update(request: HttpRequest) -> dict[str, Any]:
    return json_object(request)


def _object(parent: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Rejected(400, f"'{key}' must be an object")
    return value


def _int(parent: dict[str, Any], key: str) -> int:
    value = parent.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not -MAX_ID < value < MAX_ID:
        raise Rejected(400, f"'{key}' must be an integer id")
    return value


def _sent_at(message: dict[str, Any]) -> datetime | None:
    value = message.get("date")
    if not isinstance(value, int) or isinstance(value, bool) or not EARLIEST <= value <= LATEST:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _content(message: dict[str, Any]) -> str | None:
    """The message's text, "[photo] caption" for captioned media, None for the rest."""
    text = message.get("text")
    label = ""
    if text is None:
        label = next((label for key, label in MEDIA.items() if key in message), "")
        text = message.get("caption")
        if text is None or not label:
            return None
    if not isinstance(text, str):
        raise Rejected(400, "'text' and 'caption' must be strings")
    text = UNPRINTABLE.sub("", text).strip()
    if len(text) > MAX_TEXT:
        raise Rejected(400, f"'text' is longer than {MAX_TEXT} characters")
    return f"{label} {text}".strip() if label else text


def _failure(response: requests.Response) -> tuple[str, bool]:
    """Why Telegram refused, and whether trying again may help."""
    status = response.status_code
    try:
        description = response.json().get("description")
    except (ValueError, AttributeError):
        description = None
    detail = f": {description}" if isinstance(description, str) else ""
    if detail and not DESCRIPTION.fullmatch(description or ""):
        detail = ""  # keep only Telegram's own plain error texts
    return f"Telegram answered {status}{detail}", status == 429 or status >= 500


class TelegramType(ChannelType):
    kind = "telegram"
    label = "Telegram bot"

    def verify(self, request: HttpRequest, channel: Channel, secrets: dict[str, str]) -> None:
        expected = require_secret(secrets, "secret_token", "secret token")
        given = require_given(
            request.headers.get(SECRET_HEADER, ""), f"missing {SECRET_HEADER} header"
        )
        check_given(given, expected, "secret token does not match")

    def parse(self, request: HttpRequest, channel: Channel) -> list[Inbound]:
        update = _update(request)
        message = _object(update, "message")
        if message is None:
            return []  # edited_message, callback_query, my_chat_member…: nothing to store
        chat = _object(message, "chat")
        if chat is None:
            raise Rejected(400, "'message.chat' is required")
        if chat.get("type") != "private":
            return []  # groups and channels: see the module docstring
        sender = _object(message, "from")
        if sender is not None and sender.get("is_bot") is True:
            return []
        text = _content(message)
        if text is None:
            return []  # stickers, locations, contacts, uncaptioned media…
        chat_id = _int(chat, "id")
        return [
            Inbound(
                provider_message_id=f"{chat_id}:{_int(message, 'message_id')}",
                sender=f"telegram:{chat_id}",
                text=text,
                sent_at=_sent_at(message),
            )
        ]

    def send(self, channel: Channel, secrets: dict[str, str], message: Outgoing) -> str:
        token = secrets.get("bot_token", "")
        if not BOT_TOKEN.fullmatch(token):
            raise SendFailed("channel has no valid Telegram bot token", retry=False)
        if not CHAT_ID.fullmatch(message.to):
            raise SendFailed("recipient is not a Telegram chat", retry=False)
        try:
            response = requests.post(
                API_URL.format(token=token, method="sendMessage"),
                json={"chat_id": int(message.to), "text": message.text},
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise unreachable("Telegram", exc) from None
        if response.status_code >= 300:
            reason, retry = _failure(response)
            raise SendFailed(reason, retry=retry)
        try:
            result = response.json()["result"]
            message_id = result["message_id"]
        except (ValueError, KeyError, TypeError):
            message_id = None
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            # It may have gone out: retrying could send it twice.
            raise SendFailed("Telegram accepted the message but returned no id", retry=False)
        return f"{message.to}:{message_id}"

    def setup_help(self, channel: Channel, inbound_url: str, status_url: str) -> str:
        return (
            "Register the webhook once (replace <bot token> and <secret token> with the\n"
            "channel's secrets):\n"
            f"  curl -F url={inbound_url} -F secret_token=<secret token> \\\n"
            "    -F 'allowed_updates=[\"message\"]' \\\n"
            "    https://api.telegram.org/bot<bot token>/setWebhook\n"
            "Telegram sends no delivery reports: replies show as sent, never as delivered.\n"
        )
