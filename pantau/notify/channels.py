"""The channels: Telegram, Slack, email (SMTP), signed webhooks and the local file sink.

Each sender sends one :class:`~pantau.notify.messages.Rendered` message and returns the
channel's id for it (Telegram's ``message_id``, the SMTP ``Message-ID``, ...), or raises
:class:`DeliveryError` saying what went wrong and what to do with it:

- ``retry_after``: the service asked to wait (Telegram's ``parameters.retry_after``, a
  ``Retry-After`` header): the channel pauses that long;
- ``permanent``: this message will never go (Slack's ``invalid_payload``, an SMTP 5xx, a
  Telegram 400): recorded as failed, not retried;
- ``channel_down``: nothing can go to this channel now (a bad bot token, a disabled Slack
  webhook, an SMTP server that is down or refuses the login): the message and the channel's
  other waiting messages are retried later, and the other channels go on;
- otherwise a temporary failure (5xx, timeout): retried later with backoff.

Reasons never hold a secret: the Telegram token sits in the request path and a Slack webhook URL
is itself the secret, so no URL is ever put in a reason, and :func:`scrub` removes any secret
that an error text would repeat. httpx logs each request's URL: :class:`SecretFilter` masks the
secrets in those records.

Rate limits (:class:`Spacing`, one per key, with an injectable clock): Telegram at most one
message per second per chat and 25 per second in all, Slack one per second per webhook, SMTP
``PANTAU_NOTIFY_SMTP_PER_MINUTE``.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx

from pantau import __version__
from pantau.notify.messages import Rendered, clean_text
from pantau.notify.subscriptions import Channel
from pantau.settings import Settings

USER_AGENT = f"pantau-notify/{__version__}"
#: Telegram: 1 message/s per chat, 25/s per bot; Slack: 1/s per webhook.
TELEGRAM_PER_CHAT_S = 1.0
TELEGRAM_GLOBAL_S = 1 / 25
SLACK_PER_WEBHOOK_S = 1.0


class DeliveryError(Exception):
    """One message did not go; ``reason`` is safe to record and show (no secret)."""

    def __init__(self, reason: str, *, permanent: bool = False, channel_down: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.channel_down = channel_down
        self.retry_after = retry_after


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and a Telegram token's secret half) replaced by ``***``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
        if ":" in secret:  # a bot token is <bot id>:<secret>; the secret half alone is secret too
            half = secret.split(":", 1)[1]
            if len(half) >= 8:
                text = text.replace(half, "***")
    return text


class SecretFilter(logging.Filter):
    """Masks the notification secrets in log records (httpx logs each request's URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            masked = scrub(message, self.secrets)
            if masked != message:
                record.msg, record.args = masked, ()
        return True


SECRET_FILTER = SecretFilter()
for _name in ("httpx", "httpcore", "pantau.notify"):
    logging.getLogger(_name).addFilter(SECRET_FILTER)


class Spacing:
    """At most one message per ``interval_s`` seconds (a token bucket of one token)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.last: float | None = None

    def ready_at(self) -> float:
        return float("-inf") if self.last is None else self.last + self.interval_s

    def take(self, now: float) -> None:
        self.last = now


class Limits:
    """The rate limits of one run, by key (created on first use)."""

    def __init__(self) -> None:
        self.spacings: dict[str, Spacing] = {}

    def ready_at(self, keys: dict[str, float]) -> float:
        return max((self._get(key, interval).ready_at() for key, interval in keys.items()),
                   default=float("-inf"))

    def take(self, keys: dict[str, float], now: float) -> None:
        for key, interval in keys.items():
            self._get(key, interval).take(now)

    def _get(self, key: str, interval: float) -> Spacing:
        return self.spacings.setdefault(key, Spacing(interval))


class Sender(Protocol):
    channel: Channel
    #: rate-limit keys and their spacing in seconds
    limits: dict[str, float]
    #: channels sharing this key are all down when one is (one bot token, one SMTP server)
    down_key: str

    def send(self, message: Rendered, delivery_id: str) -> str | None: ...


def _retry_after(value: str | None) -> float | None:
    """``Retry-After``: seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def _body_text(response: httpx.Response, limit: int = 200) -> str:
    return clean_text(response.text, limit)


class _Http:
    """One httpx client per run; request errors become :class:`DeliveryError` without URLs."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=settings.http_timeout_s,
                                             headers={"User-Agent": USER_AGENT},
                                             follow_redirects=False)

    def post(self, service: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.client.post(url, **kwargs)
        except httpx.TimeoutException:
            raise DeliveryError(f"{service} did not answer in time") from None
        except httpx.TransportError as error:
            raise DeliveryError(f"{service} is not reachable ({type(error).__name__})",
                                channel_down=True) from None

    def close(self) -> None:
        self.client.close()


class TelegramSender:
    """``sendMessage`` of the Bot API, HTML parse mode, link previews off."""

    def __init__(self, channel: Channel, settings: Settings, http: _Http) -> None:
        self.channel = channel
        self.token = settings.notify_telegram_bot_token
        self.api = settings.notify_telegram_api_url
        self.http = http
        chat = str(channel.chat_id)
        self.limits = {f"telegram:chat:{chat}": TELEGRAM_PER_CHAT_S,
                       "telegram:bot": TELEGRAM_GLOBAL_S}
        self.down_key = "telegram"

    def send(self, message: Rendered, delivery_id: str) -> str | None:
        if not self.token:
            raise DeliveryError("PANTAU_NOTIFY_TELEGRAM_BOT_TOKEN is not set", channel_down=True)
        response = self.http.post("Telegram", f"{self.api}/bot{self.token}/sendMessage", json={
            "chat_id": self.channel.chat_id, "text": message.text, "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True}})
        try:
            decoded = response.json()
        except ValueError:
            decoded = None
        data: dict[str, Any] = decoded if isinstance(decoded, dict) else {}
        if response.status_code == 200 and data.get("ok") is True:
            result = data["result"] if isinstance(data.get("result"), dict) else {}
            return str(result.get("message_id", ""))
        description = clean_text(data.get("description") or _body_text(response), 200)
        reason = f"Telegram {response.status_code}: {description}"
        parameters: dict[str, Any] = data["parameters"] if isinstance(
            data.get("parameters"), dict) else {}
        if response.status_code == 429:
            wait = parameters.get("retry_after")
            wait = float(wait) if isinstance(wait, int | float) else _retry_after(
                response.headers.get("retry-after"))
            raise DeliveryError(reason, retry_after=wait if wait is not None else 1.0)
        if response.status_code == 401:
            raise DeliveryError(reason + " (check PANTAU_NOTIFY_TELEGRAM_BOT_TOKEN)",
                                channel_down=True)
        if response.status_code == 403:  # the bot was blocked or removed from the chat
            raise DeliveryError(reason, channel_down=True)
        if response.status_code == 400 and "migrate_to_chat_id" in parameters:
            raise DeliveryError(reason + f" (the group is now chat {parameters['migrate_to_chat_id']};"
                                " update chat_id)", permanent=True)
        if 400 <= response.status_code < 500:
            raise DeliveryError(reason, permanent=True)
        raise DeliveryError(reason)


class SlackSender:
    """An incoming webhook: the URL (the secret) from ``PANTAU_NOTIFY_SECRETS``."""

    PERMANENT: ClassVar[set[str]] = {"invalid_payload", "invalid_blocks", "invalid_blocks_format", "no_text",
                 "too_many_attachments", "invalid_attachments"}

    def __init__(self, channel: Channel, url: str, http: _Http) -> None:
        self.channel = channel
        self.url = url
        self.http = http
        self.limits = {f"slack:{channel.name}": SLACK_PER_WEBHOOK_S}
        self.down_key = f"slack:{channel.name}"

    def send(self, message: Rendered, delivery_id: str) -> str | None:
        response = self.http.post("Slack", self.url, json=message.body)
        text = _body_text(response, 100)
        if response.status_code == 200:
            return None
        reason = f"Slack {response.status_code}: {text}"
        if response.status_code == 429:
            wait = _retry_after(response.headers.get("retry-after"))
            raise DeliveryError(reason, retry_after=wait if wait is not None else 1.0)
        if response.status_code >= 500:
            raise DeliveryError(reason)
        if text in self.PERMANENT or response.status_code == 400:
            raise DeliveryError(reason, permanent=True)
        # 403 action_prohibited, 404 no_service, 410 channel_is_archived, ...: a person must act
        raise DeliveryError(reason + " (check the channel's webhook URL in PANTAU_NOTIFY_SECRETS)",
                            channel_down=True)


def signature(key: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of "<timestamp>." + body>`` (the ``X-Pantau-Signature``)."""
    digest = hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookSender:
    """A JSON POST signed with the channel's HMAC key."""

    def __init__(self, channel: Channel, key: str, http: _Http,
                 clock: Callable[[], float]) -> None:
        self.channel = channel
        self.key = key
        self.http = http
        self.clock = clock
        self.limits: dict[str, float] = {}
        self.down_key = f"webhook:{channel.name}"

    def send(self, message: Rendered, delivery_id: str) -> str | None:
        body = json.dumps(message.body, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self.clock()))
        response = self.http.post("The webhook", str(self.channel.url), content=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Pantau-Event-Id": delivery_id, "X-Pantau-Timestamp": timestamp,
            "X-Pantau-Signature": signature(self.key, timestamp, body)})
        if 200 <= response.status_code < 300:
            return response.headers.get("x-request-id") or str(response.status_code)
        reason = f"webhook {response.status_code}: {_body_text(response, 100)}"
        if response.status_code == 429:
            wait = _retry_after(response.headers.get("retry-after"))
            raise DeliveryError(reason, retry_after=wait if wait is not None else 1.0)
        if response.status_code >= 500 or response.status_code == 408:
            raise DeliveryError(reason)
        if response.status_code in (401, 403, 404, 410):
            raise DeliveryError(reason, channel_down=True)
        raise DeliveryError(reason, permanent=True)


def message_id(delivery_id: str, channel: str) -> str:
    """The email's ``Message-ID``, derived from the event (or digest) id and the channel: a
    repeat after a crash carries the same one."""
    digest = hashlib.sha256(f"{delivery_id}\0{channel}".encode()).hexdigest()[:32]
    return f"<{digest}@pantau.notify>"


class EmailSender:
    """SMTP with the standard library: STARTTLS, login, HTML with a plain-text part."""

    def __init__(self, channel: Channel, settings: Settings) -> None:
        self.channel = channel
        self.settings = settings
        interval = 60 / settings.notify_smtp_per_minute
        self.limits = {"smtp": interval}
        self.down_key = "smtp"

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context(
            cafile=self.settings.notify_smtp_ca_file or None)
        return context

    def send(self, message: Rendered, delivery_id: str) -> str | None:
        s = self.settings
        if not s.notify_smtp_host:
            raise DeliveryError("PANTAU_NOTIFY_SMTP_HOST is not set", channel_down=True)
        mail = EmailMessage()
        mail["Subject"] = clean_text(message.subject, 200)
        mail["From"] = s.notify_smtp_from
        mail["To"] = ", ".join(self.channel.to or [])
        mail["Date"] = email.utils.formatdate(localtime=False)
        mail["Message-ID"] = message_id(delivery_id, self.channel.name)
        mail["X-Pantau-Event-Id"] = clean_text(delivery_id, 200)
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        for attachment in message.attachments:  # a report's PDF, made by Pantau itself
            try:
                data = Path(attachment).read_bytes()
            except OSError as error:
                raise DeliveryError(f"the report {Path(attachment).name} cannot be read "
                                    f"({error.strerror}); make it again with `pantau report`",
                                    permanent=True) from None
            mail.add_attachment(data, maintype="application", subtype="pdf",
                                filename=Path(attachment).name)
        try:
            with smtplib.SMTP(s.notify_smtp_host, s.notify_smtp_port,
                              timeout=s.http_timeout_s) as smtp:
                smtp.ehlo()
                if s.notify_smtp_starttls:
                    smtp.starttls(context=self._tls())
                    smtp.ehlo()
                if s.notify_smtp_username:
                    smtp.login(s.notify_smtp_username, s.notify_smtp_password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"SMTP login refused ({error.smtp_code}); check "
                                "PANTAU_NOTIFY_SMTP_USERNAME and PANTAU_NOTIFY_SMTP_PASSWORD",
                                channel_down=True) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError("the SMTP server does not offer STARTTLS or AUTH; set "
                                "PANTAU_NOTIFY_SMTP_STARTTLS=false only for a trusted local relay",
                                channel_down=True) from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(f"SMTP refused every recipient ({sorted(set(codes))})",
                                permanent=all(code >= 500 for code in codes)) from None
        except smtplib.SMTPResponseException as error:
            text = clean_text(error.smtp_error.decode("utf-8", "replace")
                              if isinstance(error.smtp_error, bytes) else error.smtp_error, 150)
            raise DeliveryError(f"SMTP {error.smtp_code}: {text}",
                                permanent=error.smtp_code >= 500) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ssl.SSLError,
                TimeoutError, OSError) as error:
            raise DeliveryError(f"the SMTP server {s.notify_smtp_host}:{s.notify_smtp_port} is "
                                f"not reachable ({type(error).__name__})",
                                channel_down=True) from None
        if refused:
            logging.getLogger(__name__).warning("SMTP refused %d of the recipients of %s",
                                                len(refused), self.channel.name)
        return str(mail["Message-ID"])


class FileSender:
    """Appends one JSON line per message to a file (the local sink)."""

    def __init__(self, channel: Channel, path: Path, clock: Callable[[], float]) -> None:
        self.channel = channel
        self.path = path
        self.clock = clock
        self.limits: dict[str, float] = {}
        self.down_key = f"file:{path}"

    def send(self, message: Rendered, delivery_id: str) -> str | None:
        line = json.dumps({"channel": self.channel.name, "delivery_id": delivery_id,
                           "sent_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                    time.gmtime(self.clock())),
                           **(message.body or {})}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as sink:
                offset = sink.tell()
                sink.write(line + "\n")
                sink.flush()
                os.fsync(sink.fileno())
        except OSError as error:
            raise DeliveryError(f"cannot append to {self.path} ({error.strerror})",
                                channel_down=True) from None
        return f"offset {offset}"


@dataclass
class Senders:
    """The senders of one run (sharing one HTTP client), by channel name."""

    by_channel: dict[str, Sender]
    http: _Http

    def close(self) -> None:
        self.http.close()


def make_senders(channels: dict[str, Channel], secrets: dict[str, str], settings: Settings,
                 *, clock: Callable[[], float] = time.time,
                 client: httpx.Client | None = None) -> Senders:
    http = _Http(settings, client)
    for handler in logging.getLogger().handlers:  # records of every logger pass through these
        if SECRET_FILTER not in handler.filters:
            handler.addFilter(SECRET_FILTER)
    SECRET_FILTER.secrets.update(s for s in (*secrets.values(), settings.notify_telegram_bot_token,
                                             settings.notify_smtp_password) if s)
    senders: dict[str, Sender] = {}
    for name, channel in channels.items():
        if channel.type == "telegram":
            senders[name] = TelegramSender(channel, settings, http)
        elif channel.type == "slack":
            senders[name] = SlackSender(channel, secrets[name], http)
        elif channel.type == "webhook":
            senders[name] = WebhookSender(channel, secrets[name], http, clock)
        elif channel.type == "email":
            senders[name] = EmailSender(channel, settings)
        else:
            path = Path(channel.path).expanduser().resolve() if channel.path else \
                settings.notify_sink_path
            senders[name] = FileSender(channel, path, clock)
    return Senders(senders, http)


def all_secrets(settings: Settings, secrets: dict[str, str]) -> list[str]:
    """Every secret a reason or an output could repeat."""
    return [s for s in (*secrets.values(), settings.notify_telegram_bot_token,
                        settings.notify_smtp_password) if s]
