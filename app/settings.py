"""Settings from environment variables, with defaults that work on a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _under_gunicorn() -> bool:
    """gunicorn's arbiter sets SERVER_SOFTWARE=gunicorn/<version> before loading the app."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Deployment settings.

    Attributes
    ----------
    data_dir : folder of bundled cohorts (``PCE_DATA_DIR``).
    host, port : where ``python -m app`` listens (``PCE_HOST``, ``PORT``/``PCE_PORT``).
    cache_type : flask-caching backend (``PCE_CACHE_TYPE``: SimpleCache, FileSystemCache,
        RedisCache); RedisCache is chosen automatically when ``REDIS_URL`` is set.
    cache_dir : folder of the FileSystemCache (``PCE_CACHE_DIR``).
    cache_timeout : seconds a memoized result lives (``PCE_CACHE_TIMEOUT``).
    debug : Dash debug mode (``PCE_DEBUG``); never on in production.
    warm_cache : compute each cohort's Paper view at start-up in a background thread
        (``PCE_WARM_CACHE``, default on).
    auth_file : users file (``user:hash`` lines) turning access control on (``PCE_AUTH_FILE``;
        unset = off); see app.auth.
    secret_key : signs session cookies (``PCE_SECRET_KEY``); required when auth_file is set.
    secure_cookies : session cookie sent over HTTPS only (``PCE_SECURE_COOKIES``).
    env : ``PCE_ENV``; "production" (or running under gunicorn) refuses debug mode and
        makes FileSystemCache the default cache (see app.hardening).
    celery : background callbacks on Celery + Redis instead of Diskcache (``PCE_CELERY``).
    background_dir : diskcache folder of background callbacks (``PCE_BACKGROUND_DIR``).
    max_request_mb : largest request body accepted, in MB (``PCE_MAX_REQUEST_MB``); uploads
        travel base64-encoded, so 30 MB admits a 20 MB cohort file.
    upload_dir : folder of uploaded (private) cohorts (``PCE_UPLOAD_DIR``).
    max_upload_mb, max_upload_files : limits of one cohort upload, received and unpacked
        (``PCE_MAX_UPLOAD_MB``, ``PCE_MAX_UPLOAD_FILES``); see app.upload_store.
    """

    data_dir: Path = field(default_factory=lambda: REPO_ROOT / "data" / "cohorts")
    host: str = "127.0.0.1"
    port: int = 8050
    cache_type: str = "SimpleCache"
    cache_dir: Path = field(default_factory=lambda: REPO_ROOT / ".cache" / "results")
    cache_timeout: int = 3600
    redis_url: str | None = None
    debug: bool = False
    warm_cache: bool = True
    auth_file: Path | None = None
    secret_key: str | None = field(default=None, repr=False)
    secure_cookies: bool = False
    env: str = "development"
    celery: bool = False
    background_dir: Path = field(default_factory=lambda: REPO_ROOT / ".cache" / "background")
    max_request_mb: float = 30.0
    upload_dir: Path = field(default_factory=lambda: REPO_ROOT / ".cache" / "uploads")
    max_upload_mb: float = 20.0
    max_upload_files: int = 20

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from ``os.environ``."""
        env = os.environ
        redis_url = env.get("REDIS_URL") or None
        production = env.get("PCE_ENV", "").strip().lower() == "production" or _under_gunicorn()
        cache_type = env.get("PCE_CACHE_TYPE") or (
            "RedisCache" if redis_url else "FileSystemCache" if production else "SimpleCache")
        return cls(
            data_dir=Path(env.get("PCE_DATA_DIR", REPO_ROOT / "data" / "cohorts")),
            host=env.get("PCE_HOST", "127.0.0.1"),
            port=int(env.get("PORT") or env.get("PCE_PORT") or 8050),
            cache_type=cache_type,
            cache_dir=Path(env.get("PCE_CACHE_DIR", REPO_ROOT / ".cache" / "results")),
            cache_timeout=int(env.get("PCE_CACHE_TIMEOUT", 3600)),
            redis_url=redis_url,
            debug=_env_bool("PCE_DEBUG", False),
            warm_cache=_env_bool("PCE_WARM_CACHE", True),
            auth_file=Path(env["PCE_AUTH_FILE"]) if env.get("PCE_AUTH_FILE") else None,
            secret_key=env.get("PCE_SECRET_KEY") or None,
            secure_cookies=_env_bool("PCE_SECURE_COOKIES", False),
            env="production" if production else env.get("PCE_ENV", "development"),
            celery=_env_bool("PCE_CELERY", False),
            background_dir=Path(env.get("PCE_BACKGROUND_DIR",
                                        REPO_ROOT / ".cache" / "background")),
            max_request_mb=float(env.get("PCE_MAX_REQUEST_MB", 30)),
            upload_dir=Path(env.get("PCE_UPLOAD_DIR", REPO_ROOT / ".cache" / "uploads")),
            max_upload_mb=float(env.get("PCE_MAX_UPLOAD_MB", 20)),
            max_upload_files=int(env.get("PCE_MAX_UPLOAD_FILES", 20)),
        )

    @property
    def production(self) -> bool:
        """A deployment: PCE_ENV=production, or served by gunicorn."""
        return self.env == "production" or _under_gunicorn()

    def cache_config(self) -> dict:
        """Configuration dict for ``flask_caching.Cache``."""
        config = {"CACHE_TYPE": self.cache_type, "CACHE_DEFAULT_TIMEOUT": self.cache_timeout}
        if self.cache_type == "FileSystemCache":
            config["CACHE_DIR"] = str(self.cache_dir)
        if self.cache_type == "RedisCache":
            config["CACHE_REDIS_URL"] = self.redis_url
        return config
