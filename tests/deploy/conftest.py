"""Real services for deployment tests: redis-server, gunicorn with 2 workers, a Celery worker.

Each is started on a free loopback port by the tests themselves (no system service). They are
skipped when redis-server is not installed, except when PCE_REQUIRE_SERVICES is set (CI, see
.ci/run), where a missing service is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Variables of the developer's shell that would change what the servers under test do.
_SCRUB = ("REDIS_URL", "PCE_CACHE_TYPE", "PCE_CELERY", "PCE_DEBUG", "FLASK_DEBUG", "PCE_ENV",
          "PCE_AUTH_FILE", "PCE_DATA_DIR", "PCE_CACHE_DIR", "PCE_BACKGROUND_DIR", "WEB_CONCURRENCY")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require(executable: str) -> str:
    """Path of `executable`; skip (fail under PCE_REQUIRE_SERVICES) when it is missing."""
    path = shutil.which(executable)
    if path is None:
        message = f"{executable} is not installed (Debian: apt-get install redis-server)"
        if os.environ.get("PCE_REQUIRE_SERVICES"):
            pytest.fail(f"PCE_REQUIRE_SERVICES is set but {message}")
        pytest.skip(message)
    return path


def service_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class Service:
    """A subprocess with its log file; stopped with SIGTERM, then SIGKILL after 10 s."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        self.process = subprocess.Popen(command, env=env, cwd=REPO, stdout=log.open("w"),
                                        stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, ready, timeout: float = 30.0) -> None:
        deadline, last_error = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n"
                                   + self.output()[-3000:])
            try:
                if ready():
                    return
            except Exception as error:  # noqa: BLE001 - not up yet (refused, reset, redis)
                last_error = error
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} not ready within {timeout} s ({last_error!r}):\n"
                           + self.output()[-3000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A private redis-server on a free port (no persistence); its URL."""
    import redis

    server = require("redis-server")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    service = Service("redis-server", [server, "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no", "--dir", str(folder)],
                      service_env(), folder / "redis.log")
    url = f"redis://127.0.0.1:{port}/0"
    service.wait_until(lambda: redis.Redis.from_url(url, socket_timeout=1).ping(), timeout=15)
    yield url
    service.stop()


def start_gunicorn(tmp_path: Path, **env) -> tuple[str, Service]:
    """`gunicorn app:server -w 2` on a free port, access log with the worker pid first."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "app:server", "-w", "2",
               "-b", f"127.0.0.1:{port}", "--timeout", "60", "--access-logfile", "-",
               "--access-logformat", 'pid=%(p)s "%(r)s" %(s)s']
    defaults = {"PCE_WARM_CACHE": "0", "PCE_CACHE_DIR": tmp_path / "results",
                "PCE_BACKGROUND_DIR": tmp_path / "background"}
    service = Service("gunicorn", command, service_env(**{**defaults, **env}),
                      tmp_path / "gunicorn.log")
    return f"http://127.0.0.1:{port}", service


def healthy(url: str) -> bool:
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        return response.status == 200
