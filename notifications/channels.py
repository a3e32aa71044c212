"""The channels a message reaches a member through, behind one interface.

`inapp` is the notification list in the application (always on: it is the record every
push points back to). The others push to the phone and are offered when the deployment
turns them on (JIFEN_PUSH_CHANNELS) and has their settings: `wecom` (企业微信 application
message), `dingtalk` (钉钉 work notice), `sms` (the unit's SMS gateway over HTTP).

A channel knows a member's address there (the linked WeCom or DingTalk account, the
phone) and sends one message; a failure it raises says whether trying later may help.
The sending is the worker's (notifications.delivery), never a request's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import requests
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.dingtalk import DingTalk
from core.platforms import PlatformError
from core.wecom import WeCom

INAPP = "inapp"
WECOM = "wecom"
DINGTALK = "dingtalk"
SMS = "sms"


@dataclass(frozen=True)
class Message:
    """What is sent: the same text on every try, under one idempotency key."""

    key: str
    title: str
    body: str
    url: str  # absolute, or "" when the deployment set no JIFEN_SITE_URL


class Channel(Protocol):
    code: str
    label: Any  # a lazily translated name

    def configured(self) -> bool:
        """Whether the deployment gave what sending needs."""

    def addresses(self, user_ids: Iterable[int]) -> dict[int, str]:
        """Each user's address on this channel, for those who have one (one query)."""

    def send(self, address: str, message: Message) -> None:
        """Send one message; raise PlatformError (retryable or not) if it did not go."""


# The addresses are kept by the apps above this one: the WeCom or DingTalk account linked
# at sign-in (accounts), the member's phone (organizations). Each registers its lookup when
# it starts (its AppConfig.ready), so notifications imports neither.
AddressBook = Callable[[list[int]], dict[int, str]]
_ADDRESS_BOOKS: dict[str, AddressBook] = {}


def address_book_register(code: str, lookup: AddressBook) -> None:
    """`lookup(user_ids)` gives each user's address on the channel `code` (one query)."""
    _ADDRESS_BOOKS[code] = lookup


def _addresses(code: str, user_ids: Iterable[int]) -> dict[int, str]:
    lookup = _ADDRESS_BOOKS.get(code)
    return lookup(list(user_ids)) if lookup is not None else {}


class InApp:
    code = INAPP
    label = _("In the application")

    def configured(self) -> bool:
        return True

    def addresses(self, user_ids: Iterable[int]) -> dict[int, str]:
        return {pk: str(pk) for pk in user_ids}

    def send(self, address: str, message: Message) -> None:
        """The notification itself is the in-app message (written with the event)."""


class WeComChannel:
    code = WECOM
    label = _("WeCom")

    def configured(self) -> bool:
        return WeCom.from_settings().configured

    def addresses(self, user_ids: Iterable[int]) -> dict[int, str]:
        return _addresses(WECOM, user_ids)

    def send(self, address: str, message: Message) -> None:
        WeCom.from_settings().send_card(
            to=address, title=message.title, description=message.body, url=message.url
        )


class DingTalkChannel:
    code = DINGTALK
    label = _("DingTalk")

    def configured(self) -> bool:
        client = DingTalk.from_settings()
        return client.configured and bool(client.agent_id)

    def addresses(self, user_ids: Iterable[int]) -> dict[int, str]:
        return _addresses(DINGTALK, user_ids)

    def send(self, address: str, message: Message) -> None:
        DingTalk.from_settings().send_notice(
            to=address, title=message.title, text=message.body, url=message.url
        )


class SmsChannel:
    """A request per message to the unit's gateway, made from templates (README)."""

    code = SMS
    label = _("Text message")

    def configured(self) -> bool:
        return bool(settings.JIFEN_SMS_URL)

    def addresses(self, user_ids: Iterable[int]) -> dict[int, str]:
        return _addresses(SMS, user_ids)

    def send(self, address: str, message: Message) -> None:
        text = settings.JIFEN_SMS_TEXT.replace("{title}", message.title).replace(
            "{url}", message.url
        )
        values = {"phone": address, "text": text, "key": message.key}
        headers = {"Idempotency-Key": message.key, **_headers(settings.JIFEN_SMS_HEADERS)}
        method = settings.JIFEN_SMS_METHOD
        url = _fill(settings.JIFEN_SMS_URL, values, quote)
        body: bytes | None = None
        if method != "GET":
            content_type = settings.JIFEN_SMS_CONTENT_TYPE
            escape = _json_text if "json" in content_type else quote
            body = _fill(settings.JIFEN_SMS_BODY, values, escape).encode()
            headers["Content-Type"] = content_type
        try:
            response = requests.request(
                method, url, data=body, headers=headers, timeout=settings.JIFEN_PUSH_TIMEOUT
            )
        except requests.RequestException as exc:
            raise PlatformError(f"SMS gateway: {exc.__class__.__name__}", retryable=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise PlatformError(f"SMS gateway: HTTP {response.status_code}", retryable=True)
        if response.status_code >= 300:
            raise PlatformError(f"SMS gateway: HTTP {response.status_code}"[:200])
        _check_answer(response)


def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _fill(template: str, values: dict[str, str], escape: Any) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", escape(value))
    return template


def _headers(spec: str) -> dict[str, str]:
    found = {}
    for line in spec.split("|"):
        name, sep, value = line.partition(":")
        if sep and name.strip():
            found[name.strip()] = value.strip()
    return found


def _check_answer(response: requests.Response) -> None:
    """JIFEN_SMS_OK ("code=0"): the JSON answer must hold that value; empty: any 2xx."""
    field, sep, wanted = settings.JIFEN_SMS_OK.partition("=")
    if not sep:
        return
    try:
        got = response.json().get(field.strip())
    except (ValueError, AttributeError) as exc:
        raise PlatformError("SMS gateway: the answer is not JSON") from exc
    if str(got) != wanted.strip():
        raise PlatformError(f"SMS gateway refused: {field.strip()}={got}"[:200])


CHANNELS: dict[str, Channel] = {
    INAPP: InApp(),
    WECOM: WeComChannel(),
    DINGTALK: DingTalkChannel(),
    SMS: SmsChannel(),
}


def push_channels() -> list[Channel]:
    """The push channels this deployment offers (turned on and configured), in order."""
    wanted = settings.JIFEN_PUSH_CHANNELS
    return [
        channel
        for code, channel in CHANNELS.items()
        if code != INAPP and code in wanted and channel.configured()
    ]


def channel(code: str) -> Channel | None:
    return CHANNELS.get(code)
