"""Pain Cohort Explorer, the Dash application.

``create_app()`` builds the app; ``server`` (the Flask server, for gunicorn) is created on
first access, so importing this package does no work.
"""

from __future__ import annotations

import logging
import threading

from dash import Dash
from flask import Flask

from app.settings import REPO_ROOT, Settings

_default = {}


def create_app(settings: Settings | None = None) -> Dash:
    """A configured Dash app serving the cohorts of ``settings.data_dir``."""
    from app import auth, hardening, request_checks, services
    from app.background import make_background_manager
    from app.callbacks import (
        brain,
        export,
        filters,
        more_views,
        navigation,
        permutations,
        upload,
        views,
    )
    from app.layout import shell

    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO)
    server = Flask(__name__)
    # gzip streamed files too (assets/ CSS is streamed; flask-compress leaves gzip out of
    # streaming by default, which sent the 233 kB Bootstrap theme uncompressed).
    server.config["COMPRESS_ALGORITHM_STREAMING"] = ["zstd", "br", "gzip", "deflate"]
    app = Dash(__name__, server=server, title="Pain Cohort Explorer", compress=True,
               assets_folder=str(REPO_ROOT / "assets"),
               suppress_callback_exceptions=True, update_title=None,
               background_callback_manager=make_background_manager(settings))
    auth.install(app.server, settings)  # login on every route when PCE_AUTH_FILE is set
    hardening.install(app, settings)  # request ids, error pages, size limit, headers, /healthz
    request_checks.install(app)  # malformed callback bodies -> 400, not Dash's 500
    app.layout = shell
    services.configure(settings.data_dir, settings.upload_dir)
    services.cache.init_app(app.server, config=settings.cache_config())
    for module in (navigation, filters, views, more_views, brain, permutations, export):
        module.register(app)
    upload.register(app, settings)  # own cohorts: upload dialog -> settings.upload_dir
    if settings.warm_cache:
        threading.Thread(target=services.warm, args=(app.server,), daemon=True,
                         name="pce-warm-cache").start()
    return app


def __getattr__(name: str):
    if name == "server":
        if "app" not in _default:
            _default["app"] = create_app()
        return _default["app"].server
    raise AttributeError(name)
