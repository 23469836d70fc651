"""The app under `gunicorn app:server -w 2` on 127.0.0.1, with Redis and with the default cache.

Requests go out concurrently until gunicorn's access log shows both worker pids serving them:
the page, /healthz and real Dash callbacks (the router, then the Compare view fed with the
router's output) must answer 200 whichever worker takes them.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.deploy.conftest import healthy, start_gunicorn

LINK = "?cohort=fanton2022_fm_tspo&view=compare"


@pytest.fixture(scope="module", params=["redis", "filesystem"])
def deployment(request, tmp_path_factory):
    """(base url, gunicorn service, expected cache backend) for each cache configuration."""
    tmp = tmp_path_factory.mktemp(f"gunicorn-{request.param}")
    if request.param == "redis":
        env, backend = {"REDIS_URL": request.getfixturevalue("redis_url")}, "RedisCache"
    else:
        env, backend = {}, "FileSystemCache"  # the default under gunicorn, not SimpleCache
    url, service = start_gunicorn(tmp, **env)
    service.wait_until(lambda: healthy(url), timeout=60)
    yield url, service, backend
    service.stop()


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def _post(url: str, payload: dict):
    request = urllib.request.Request(url + "/_dash-update-component",
                                     data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def _callback(dependencies: list, output: str, input_id: str, value) -> dict:
    """Payload of the server-side callback writing `output`, whose single input is `input_id`."""
    dep = next(d for d in dependencies if [i["id"] + "." + i["property"] for i in d["inputs"]]
               == [input_id] and f"..{output}..." in d["output"])
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1)))
               for o in dep["output"].strip(".").split("...")]
    element, prop = input_id.rsplit(".", 1)
    return {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": element, "property": prop, "value": value}],
            "changedPropIds": [input_id],
            "state": [{**s, "value": None} for s in dep["state"]]}


def _round(url: str, dependencies: list) -> list:
    """Page, health, router callback, then the Compare view fed with the router's output."""
    status, headers, page = _get(url + "/" + LINK)
    assert status == 200 and b"_dash-config" in page
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, _, health = _get(url + "/healthz")
    assert status == 200 and json.loads(health)["status"] == "ok"
    status, routed = _post(url, _callback(dependencies, "page-content.children", "url.search", LINK))
    assert status == 200
    canonical = routed["response"]["view-state"]["data"]
    status, compared = _post(url, _callback(dependencies, "compare-figure.figure", "view-state.data",
                                          canonical))
    figure = compared["response"]["compare-figure"]["figure"]
    assert status == 200 and figure["data"], "the Compare view drew no trace"
    return [status]


def _pids(service) -> set[str]:
    return set(re.findall(r"^pid=<(\d+)> ", service.output(), re.MULTILINE))


def test_two_workers_serve_pages_health_and_callbacks(deployment):
    url, service, backend = deployment
    health = json.loads(_get(url + "/healthz")[2])
    assert health["cache"] == {"backend": backend, "reachable": True}
    assert health["cohorts"] >= 5
    _, _, raw = _get(url + "/_dash-dependencies")
    dependencies = json.loads(raw)
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(6) as pool:
        while True:
            rounds = list(pool.map(lambda _: _round(url, dependencies), range(6)))
            assert all(r == [200] for r in rounds)
            if len(_pids(service)) >= 2 or time.monotonic() > deadline:
                break
    assert len(_pids(service)) == 2, service.output()[-2000:]
    assert " 500" not in service.output()


def test_oversized_request_is_refused_with_413(deployment):
    url, _, _ = deployment
    body = b'{"inputs": "' + b"x" * (31 * 1024 * 1024) + b'"}'
    request = urllib.request.Request(url + "/_dash-update-component", data=body,
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 413
    assert "PCE_MAX_REQUEST_MB" in json.loads(caught.value.read())["message"]


def test_debug_is_refused_under_gunicorn(tmp_path):
    _, service = start_gunicorn(tmp_path, PCE_DEBUG="1")
    try:
        service.process.wait(timeout=45)
    finally:
        service.stop()
    assert service.process.returncode != 0
    assert "PCE_DEBUG=1 is refused in production" in service.output()
