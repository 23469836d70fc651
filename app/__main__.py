"""``python -m app``: serve the dashboard on http://127.0.0.1:8050 (see app.settings)."""

from app import create_app
from app.settings import Settings

if __name__ == "__main__":
    settings = Settings.from_env()
    create_app(settings).run(host=settings.host, port=settings.port, debug=settings.debug)
