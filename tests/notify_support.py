"""What the notification tests share: payloads of our own making, outbox rows, settings, a
clock that does not sleep, and a local SMTP server (aiosmtpd: STARTTLS, AUTH, scripted
4xx/5xx answers) on a free port."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import textwrap
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pantau.settings import Settings

JAKSEL = {"unit_id": "polres_metro_jakarta_selatan", "unit_level": "polres",
          "unit_name": "Polres Metro Jakarta Selatan", "polres_id": "polres_metro_jakarta_selatan",
          "polres_name": "Polres Metro Jakarta Selatan", "polda_id": "polda_metro_jaya",
          "polda_name": "Polda Metro Jaya"}
#: A Polres in WITA (Asia/Makassar).
DENPASAR = {"unit_id": "polresta_denpasar", "unit_level": "polres", "unit_name": "Polresta Denpasar",
            "polres_id": "polresta_denpasar", "polres_name": "Polresta Denpasar",
            "polda_id": "polda_bali", "polda_name": "Polda Bali"}


def payload(event_id: str = "spike_opened:polres_metro_jakarta_selatan:2026-03-14T13",
            kind: str = "spike_opened", *, unit: dict[str, Any] | None = None,
            **changes: Any) -> dict[str, Any]:
    """One event's facts, in the outbox payload's shape (texts written for the tests)."""
    facts: dict[str, Any] = {
        "event_id": event_id, "kind": kind, "severity": "high",
        "occurred_at": "2026-03-14T13:05:00+00:00", "unit": dict(unit or JAKSEL),
        "alert_id": "alert-7781", "post_key": None, "topic": "pungli",
        "started_at": "2026-03-14T13:05:00+00:00", "peak_at": "2026-03-14T14:00:00+00:00",
        "ended_at": None, "is_open": True, "negative_post_count": 1284,
        "peak_hour_count": 412, "baseline_per_hour": 9.5, "growth": 43.4, "news_site_count": 3,
        "top_posts": [
            {"excerpt": "parah bgt pak, ditilang di perempatan tp disuruh damai 200rb. "
                        "#polripresisi katanya??", "platform": "x", "engagement": 15230,
             "url": "https://x.com/wargajaksel/status/1900000000000000001",
             "author_label": "@wargajaksel", "sentiment": "negative"},
            {"excerpt": "udh viral aja nih videonya, mana tanggapan humasnya min",
             "platform": "tiktok", "engagement": 9800,
             "url": "https://www.tiktok.com/@ojolsantuy/video/7480000000000000002",
             "author_label": "@ojolsantuy", "sentiment": "negative"},
            {"excerpt": "gw jg prnh digituin di pos yg sama, tolong diusut", "platform": "youtube",
             "engagement": 2210, "url": None, "author_label": "Dimas R", "sentiment": "negative"},
        ],
        "response": {"responded": False, "first_response_at": None, "response_minutes": None,
                     "url": None},
        "target_minutes": 60, "overdue_minutes": None,
        "dashboard_url": "http://127.0.0.1:8050/?level=polres&unit=polres_metro_jakarta_selatan"
                         "&alert=alert-7781",
    }
    facts.update(changes)
    return facts


def outbox_row(channel: str, facts: dict[str, Any], *, build_id: str = "build-1",
               quiet_hours: dict[str, str] | None = None) -> dict[str, Any]:
    """One ``ops.notification_outbox`` row (as the hand-off reads it) for ``facts``."""
    unit = facts["unit"]
    return {"build_id": build_id, "event_id": facts["event_id"], "channel": channel,
            "kind": facts["kind"], "severity": facts["severity"], "unit_id": unit["unit_id"],
            "unit_level": unit["unit_level"], "polres_id": unit["polres_id"],
            "polda_id": unit["polda_id"], "occurred_at": facts["occurred_at"],
            "quiet_hours": json.dumps(quiet_hours) if quiet_hours else None,
            "payload": json.dumps(facts)}


def notify_settings(tmp_path: Path, subscriptions: str, **env: str) -> Settings:
    path = tmp_path / "subscriptions.yml"
    path.write_text(textwrap.dedent(subscriptions), encoding="utf-8")
    return Settings.from_env({"PANTAU_STATE_DIR": str(tmp_path / "state"),
                              "PANTAU_NOTIFY_SUBSCRIPTIONS": str(path),
                              "PANTAU_HTTP_TIMEOUT_S": "5", **env})


@dataclass
class FakeClock:
    """Epoch seconds that move only when the code under test "sleeps"."""

    now: float
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def epoch(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


# --- SMTP -------------------------------------------------------------------------------------

def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made here: the test's own CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pantau test smtp")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, server: FakeSmtp) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.server.lock:
            answer = self.server.answers.popleft() if self.server.answers else "250 OK queued"
            if answer.startswith("250"):
                self.server.messages.append(message_from_bytes(
                    envelope.original_content or envelope.content, policy=policy.default))
            self.server.attempts += 1
        return answer


class FakeSmtp(Controller):
    """aiosmtpd on a socket bound here (port 0: no race for a free port), requiring STARTTLS
    and AUTH LOGIN/PLAIN with ``user``/``password``; ``answers`` scripts DATA's replies."""

    def __init__(self, directory: Path, user: str = "humas", password: str = "s3cr3t-smtp") -> None:
        cert, key = self_signed(directory)
        self.ca_file = cert
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.lock = threading.Lock()
        self.answers: deque[str] = deque()
        self.messages: list[EmailMessage] = []
        self.attempts = 0
        self.user, self.password = user, password

        def authenticate(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
                         data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and data.login.decode() == self.user and \
                data.password.decode() == self.password
            return AuthResult(success=ok, handled=False)

        super().__init__(_Handler(self), hostname="127.0.0.1", port=self.sock.getsockname()[1],
                         tls_context=context, require_starttls=True, authenticator=authenticate,
                         auth_require_tls=True)

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.sock)

    def env(self, **changes: str) -> dict[str, str]:
        return {"PANTAU_NOTIFY_SMTP_HOST": "127.0.0.1",
                "PANTAU_NOTIFY_SMTP_PORT": str(self.port),
                "PANTAU_NOTIFY_SMTP_USERNAME": self.user,
                "PANTAU_NOTIFY_SMTP_PASSWORD": self.password,
                "PANTAU_NOTIFY_SMTP_CA_FILE": str(self.ca_file),
                "PANTAU_NOTIFY_SMTP_FROM": "pantau@polri.example", **changes}

    def __enter__(self) -> FakeSmtp:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A port nothing listens on (bound, then closed): an SMTP server that is down."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port
