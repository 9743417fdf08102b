"""The web app's settings (settings.yml), read once and typed, plus its address from the environment."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class ChatSettings:
    max_message_chars: int
    max_body_bytes: int
    max_frame_bytes: int
    max_json_depth: int
    rasa_timeout_seconds: float
    conversation_idle_hours: float
    event_buffer: int
    poll_wait_seconds: float
    first_frame_seconds: float
    allowed_origins: list[str]


@dataclass(frozen=True)
class RateLimitSettings:
    messages_per_minute: float
    message_burst: int
    sessions_per_hour: float
    session_burst: int
    new_conversations_per_minute: float
    new_conversation_burst: int
    ipv6_prefix_length: int
    handoffs_per_conversation: int
    handoffs_per_hour: float
    handoff_burst: int


@dataclass(frozen=True)
class LiveSettings:
    claim_timeout_minutes: float
    check_interval_seconds: float


@dataclass(frozen=True)
class CspReportSettings:
    """Browsers' reports of what the Content-Security-Policy blocked (bot.web.csp_reports). The
    defaults hold when settings.yml has no `csp_reports` section."""

    max_body_bytes: int = 8192
    per_minute: float = 6            # per client address (its /64 for IPv6)
    burst: int = 10
    all_per_minute: float = 60       # from all addresses together: the log lines they may cost
    all_burst: int = 60


@dataclass(frozen=True)
class WebSettings:
    chat: ChatSettings
    rate_limit: RateLimitSettings
    live: LiveSettings
    csp_reports: CspReportSettings = CspReportSettings()


@cache
def web_settings() -> WebSettings:
    """settings.yml beside this file, or the file `WEB_SETTINGS` names (e.g. for a load test)."""
    path = Path(os.environ.get("WEB_SETTINGS") or Path(__file__).with_name("settings.yml"))
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return WebSettings(
        chat=ChatSettings(**raw["chat"]),
        rate_limit=RateLimitSettings(**raw["rate_limit"]),
        live=LiveSettings(**raw["live"]),
        csp_reports=CspReportSettings(**raw.get("csp_reports", {})),
    )


def listen_address() -> tuple[str, int]:
    """`WEB_HOST` (default 127.0.0.1; 0.0.0.0 to accept other machines) and `WEB_PORT` (default 8000)."""
    return os.environ.get("WEB_HOST", "127.0.0.1"), int(os.environ.get("WEB_PORT", "8000"))


def tls_files() -> tuple[str, str] | None:
    """`WEB_TLS_CERT_FILE` and `WEB_TLS_KEY_FILE`: the certificate (PEM, with its chain) and key the
    web app serves HTTPS with (Kubernetes: the internal TLS Secret's tls.crt and tls.key, so the
    ingress reaches it over TLS). Neither set: plain HTTP (make run, make test, behind nginx on
    loopback). Only one set is a configuration error: whoever set it expects HTTPS."""
    cert = os.environ.get("WEB_TLS_CERT_FILE") or None
    key = os.environ.get("WEB_TLS_KEY_FILE") or None
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, missing = ("WEB_TLS_CERT_FILE", "WEB_TLS_KEY_FILE") if cert else ("WEB_TLS_KEY_FILE", "WEB_TLS_CERT_FILE")
        raise ValueError(f"{given} is set but {missing} is not: set both to serve HTTPS, or neither for plain HTTP")
    return cert, key


def live_chat_always_open() -> bool:
    """`LIVE_CHAT_HOURS=always` lets users wait for a worker in the chat at any hour (demos, training
    and tests); the default, `hotline`, offers the live chat only while the hotline is open."""
    return os.environ.get("LIVE_CHAT_HOURS", "hotline").strip().lower() == "always"


def rasa_url() -> str:
    """Rasa's REST channel: under `RASA_URL` (its base address, e.g. a load balancer of several Rasa
    servers), else on loopback at `RASA_PORT` (default 5005)."""
    base = os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}"
    return base.rstrip("/") + "/webhooks/rest/webhook"


def rasa_ca_file() -> str | None:
    """`RASA_CA_FILE`: the CA certificate (PEM) that signed the Rasa servers' certificate, when
    `RASA_URL` is https:// (Kubernetes: the internal TLS Secret's ca.crt). Unset: plain HTTP on
    loopback, or https verified against the system's CAs."""
    return os.environ.get("RASA_CA_FILE") or None


def chat_state_url() -> str | None:
    """`CHAT_STATE_URL` (redis://host:port/db): conversations shared by every web app instance.
    Unset: they are held in this process's memory, which serves one instance only."""
    return os.environ.get("CHAT_STATE_URL") or None


def trusted_proxies() -> list[str]:
    """`TRUSTED_PROXIES`: addresses or networks of the reverse proxies whose X-Forwarded-For, -Proto
    and -Host headers are believed (comma-separated). Unset: those headers are ignored."""
    return [item.strip() for item in os.environ.get("TRUSTED_PROXIES", "").split(",") if item.strip()]
