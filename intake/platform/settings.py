"""Deployment settings, read from the environment (prefix TIPLINE_) or a .env file."""
from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WeChatTemplate(BaseModel):
    """A subscription notice's template (订阅通知): its id in the account's console, and which of our
    parameters fills each of its fields ({"thing1": "status", "time2": "date"})."""

    id: str = Field(min_length=1)
    fields: dict[str, str] = {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIPLINE_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""  # empty: SQLite file under var_dir
    keys_dir: Path | None = None  # default: var_dir / "keys"
    config_dir: Path | None = None  # the deployment's TOML files; default: intake/config
    default_language: str = "zh_Hans"
    draft_ttl_days: int = Field(default=30, ge=1)
    timezone: str = "Asia/Shanghai"
    public_base_url: str = ""  # e.g. https://tipline.example.gov.cn: notices link only to its status page
    # What a poster's QR code opens (and prints beside it), with ?lang=<code> added: a deployment's own
    # short address, since chat apps block or warn about domains without the right registration.
    # Empty: public_base_url.
    poster_url: str = ""
    telegram_bot_username: str = ""  # e.g. TiplineBot: the confirmation page offers t.me/<bot>?start=<token>
    redis_url: str = ""  # e.g. redis://127.0.0.1:6379/0: rate limits shared by workers (and the bot's state)
    # Processes that decode and clean uploaded files, per server process: at most this many files
    # are decoded at once (a 40-megapixel picture: about a second of one core and 320 MB).
    file_workers: int = Field(default=1, ge=1)
    # The ffmpeg that turns voice browsers cannot play (AMR, Speex: WeChat's voice messages) into
    # Ogg/Opus for the console (intake/platform/voice_files.py). Empty, or not found: such a
    # recording is kept as it arrived and marked so (staff download it instead of playing it).
    ffmpeg: str = "ffmpeg"

    # The public risk list ("check before you pay" at /check): organisations a coordinator marked
    # public, on an official determination. Off by default: publishing carries legal weight
    # (reputation rights, personal-information law; README "Prevention").
    public_risk_list: bool = False

    # Notices by e-mail (SMTP) and SMS (a gateway that sends pre-approved templates).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_sender: str = "tipline@localhost"
    sms_backend: Literal["log", "gateway"] = "log"
    sms_gateway_url: str = ""
    sms_gateway_key: str = ""
    sms_templates: dict[str, str] = {}  # our template id -> the gateway's approved template code

    # The WeChat Official Account (wechat/): its AppID and AppSecret, the Token and EncodingAESKey
    # set on its server configuration page (with a key, only safe-mode messages are taken), and the
    # API's address (empty: WeChat's own, https://api.weixin.qq.com; tests point it at a fake).
    # The callback is served at /wechat/callback on the public site when a token is set.
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_api_base: str = ""
    # What the account may send (README, "What each account type allows"): "unverified" answers
    # with passive replies only (notices go to the reporter's next channel: SMS, e-mail, or the
    # status page); "service", a verified service account (服务号), sends customer-service
    # messages within 48 hours of the person's last message, else subscription notices.
    wechat_account: Literal["unverified", "service"] = "unverified"
    # Subscription notices (订阅通知) send only templates chosen in the account's console, like SMS:
    # our template id -> its template id there and, for each of its fields ("thing1"), the
    # parameter of ours that fills it ("status"): see WeChatTemplate.
    wechat_templates: dict[str, WeChatTemplate] = {}

    # Alerts to units (intake/notify/unit_alerts.py): which new tips are alerted at once ("all", or only
    # "urgent" ones; the rest wait for the digest), the local hour of the daily digest, and the
    # console's address for the line pointing there.
    unit_alerts_immediate: Literal["all", "urgent"] = "all"
    unit_digest_hour: int = Field(default=8, ge=0, le=23)
    console_base_url: str = ""

    # The staff console: roles that must sign in with a second factor (TOTP); others may enrol.
    console_totp_required_roles: tuple[str, ...] = ("coordinator", "reward_admin")

    # Several instances on one database (README "Running on several machines"): how long an
    # instance that stopped (killed, its machine gone) keeps what it had taken, before another takes
    # it over: a notice it was sending, a once-a-day job it was running, the Telegram bot's long
    # polling. Each instance looks for once-a-day jobs that are due this often too.
    lease_seconds: float = Field(default=60.0, gt=0)

    # Behind a proxy (both comma-separated). trusted_hosts: the host names both apps answer to,
    # e.g. "tipline.example.gov.cn,console.internal" ("*.example.org" for a domain's names);
    # empty: any outside production, and in production the hosts of public_base_url and
    # console_base_url. trusted_proxies: the addresses (or networks) whose X-Forwarded-For and
    # X-Forwarded-Proto are believed, e.g. "127.0.0.1" for nginx on the same machine; empty:
    # none, the connecting address is the client's.
    trusted_hosts: str = ""
    trusted_proxies: str = ""

    # Staff password hashes (argon2): "standard" cost, or "fast" for test runs only. Unset: "fast"
    # in the test environment, "standard" everywhere else; production refuses "fast".
    password_hashing: Literal["standard", "fast"] | None = None

    @model_validator(mode="after")
    def _production_hashes_at_full_cost(self) -> Settings:
        if self.env == "production" and self.password_hashing == "fast":
            raise ValueError("production hashes passwords at the standard cost: unset TIPLINE_PASSWORD_HASHING")
        return self

    @property
    def password_hash_cost(self) -> str:
        return self.password_hashing or ("fast" if self.env == "test" else "standard")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def allowed_hosts(self) -> list[str]:
        """The host names the apps answer to (["*"]: any); empty in production when neither
        trusted_hosts nor both base URLs say which (`tipline serve` then refuses to start)."""
        named = _listed(self.trusted_hosts)
        if named:
            return named
        if not self.production:
            return ["*"]
        hosts = [urlsplit(url).hostname or "" for url in (self.public_base_url, self.console_base_url)]
        return hosts if all(hosts) else []

    @property
    def poster_base_url(self) -> str:
        return self.poster_url or self.public_base_url

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _listed(self.trusted_proxies)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'tipline.db'}"

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.var_dir / "keys"


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]
