"""Dash background callbacks: long jobs (permutation maps, big bootstraps) off the request.

``make_background_manager(settings)`` gives the manager passed to
``Dash(background_callback_manager=...)``:

- by default a ``dash.DiskcacheManager`` on a diskcache folder (``PCE_BACKGROUND_DIR``,
  ``.cache/background``): jobs run in a subprocess of the web worker and every gunicorn worker
  of the machine shares the folder, so a job started by one worker is polled by another;
- with ``PCE_CELERY=1`` and ``REDIS_URL``, a ``dash.CeleryManager`` on ``celery_app``, the
  module-level Celery application: jobs run in ``celery -A app.background.celery_app worker``
  processes, which may live on other machines.

A Celery worker must know the app's background callbacks (Dash registers one Celery task per
callback when the callbacks are registered). When the worker imports its modules,
``_register_app_tasks`` therefore builds the default app unless the worker's ``-A`` module has
already registered background callbacks itself.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace

from celery import Celery, signals

from app.settings import Settings

log = logging.getLogger("pce")

celery_app = Celery("pce", broker=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
                    backend=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
celery_app.conf.update(
    broker_connection_retry_on_startup=True,
    result_expires=24 * 3600,
    task_track_started=True,
    worker_hijack_root_logger=False,
)

_managers: dict = {}


def make_background_manager(settings: Settings):
    """The background-callback manager of a deployment (Diskcache, or Celery on Redis).

    One manager per diskcache folder or Redis URL is kept for the process: Dash registers every
    background callback with every manager ever created, so a new manager per app would
    multiply open diskcache handles and Celery tasks in test runs that build many apps.
    Raises ValueError when ``PCE_CELERY=1`` is set without ``REDIS_URL``.
    """
    if settings.celery:
        if not settings.redis_url:
            raise ValueError("PCE_CELERY=1 needs REDIS_URL (the Celery broker and result "
                             "store), e.g. REDIS_URL=redis://127.0.0.1:6379/0; unset PCE_CELERY "
                             "to run background jobs with Diskcache instead.")
        key = ("celery", settings.redis_url)
        if key not in _managers:
            from dash import CeleryManager
            configure_celery(settings.redis_url)
            _managers[key] = CeleryManager(celery_app)
        return _managers[key]
    folder = settings.background_dir
    key = ("diskcache", str(folder))
    if key not in _managers:
        import diskcache
        from dash import DiskcacheManager
        folder.mkdir(parents=True, exist_ok=True)
        _managers[key] = DiskcacheManager(diskcache.Cache(str(folder)))
    return _managers[key]


def configure_celery(redis_url: str) -> Celery:
    """Point ``celery_app`` (broker and result backend) at ``redis_url``."""
    celery_app.conf.update(broker_url=redis_url, result_backend=redis_url)
    return celery_app


def backend_name(manager) -> str:
    """"diskcache" or "celery", for /healthz and the logs."""
    return "celery" if type(manager).__name__ == "CeleryManager" else "diskcache"


@signals.import_modules.connect
def _register_app_tasks(sender=None, **_):
    """In a Celery worker: build the default app so its background callbacks become tasks."""
    if sender is not celery_app:
        return
    if any(name.startswith("background_callback_") for name in celery_app.tasks):
        return
    from app import create_app
    settings = Settings.from_env()
    create_app(replace(settings, celery=True, warm_cache=False))
    log.info("celery worker: registered %d background callback task(s)",
             sum(name.startswith("background_callback_") for name in celery_app.tasks))
