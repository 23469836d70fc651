"""Background callbacks through Celery + a real Redis and a real worker process.

The worker is started exactly as the README says (``celery -A app.background.celery_app
worker``), plus ``--include`` of the test app, so the test also proves that the documented
command registers the dashboard's own background callbacks (app.background's import hook).
"""

from __future__ import annotations

import gc
import os
import re
import sys
import time

import pytest
from celery.result import AsyncResult

from app.background import celery_app, make_background_manager
from app.settings import Settings
from tests.deploy.background_app import Renderer, build
from tests.deploy.conftest import Service


@pytest.fixture(scope="module")
def worker(redis_url, tmp_path_factory):
    from tests.deploy.conftest import service_env
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "app.background.celery_app", "worker",
               "--include", "tests.deploy.background_app", "--pool", "prefork",
               "--concurrency", "1", "--loglevel", "INFO", "--without-gossip",
               "--without-mingle", "--without-heartbeat"]
    service = Service("celery worker", command,
                      service_env(REDIS_URL=redis_url, PCE_CELERY="1", PCE_WARM_CACHE="0"), log)
    manager = make_background_manager(Settings(celery=True, redis_url=redis_url))
    service.wait_until(lambda: " ready." in service.output(), timeout=40)
    yield manager, service
    service.stop()
    # Results of finished jobs unsubscribe from Redis when collected: do it while Redis is up.
    gc.collect()
    celery_app.backend.result_consumer.stop()


def test_worker_registers_the_dashboards_background_callbacks(worker):
    _, service = worker
    registered = re.search(r"registered (\d+) background callback task", service.output())
    assert registered and int(registered.group(1)) >= 1  # the Brain view's permutation job
    tasks = re.findall(r"\. (background_callback_[0-9a-f]+)", service.output())
    assert len(set(tasks)) >= 2  # the dashboard's and the test app's


def test_celery_background_callback_progress_result_and_cancel(worker):
    manager, service = worker
    assert type(manager).__name__ == "CeleryManager"
    renderer = Renderer(build(manager).server.test_client())

    handles = renderer.start(steps=6)
    result, progress = renderer.wait(handles, steps=6, timeout=30)
    assert result.startswith("sum=21 ")  # 1 + 2 + ... + 6
    assert int(result.split("pid=")[1]) not in (os.getpid(), service.process.pid)
    assert progress and all(re.fullmatch(r"[1-6]/6", p) for p in progress)

    handles = renderer.start(steps=2000)  # 100 s unless cancelled
    task_id = handles["job"].split("~")[0]
    deadline = time.monotonic() + 20
    while renderer.poll(handles, 2000)[1].get("progress") is None:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert renderer.cancel(handles).status_code == 200
    deadline = time.monotonic() + 10
    while AsyncResult(task_id, app=celery_app).state != "REVOKED":
        assert time.monotonic() < deadline, AsyncResult(task_id, app=celery_app).state
        time.sleep(0.1)
    assert renderer.poll(handles, 2000)[0] == 204  # cancelled: no result ever
