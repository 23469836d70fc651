"""Results and rendered views round-trip through a real Redis (flask-caching RedisCache).

Two Flask apps on the same Redis stand for two gunicorn workers: what one computes and pickles,
the other reads back. The reference is the in-process result itself: its ``to_dict()`` (and the
rendered figures/tables, serialized with plotly's JSON encoder) must be identical after the trip.
"""

from __future__ import annotations

import json

import plotly.utils
import pytest
import redis

from app import create_app, services
from app.callbacks.more_views import update_paper
from app.callbacks.views import update_compare, update_mediate
from app.settings import Settings

COHORT = "fanton2022_fm_tspo"  # bundled: factors, MRS measures, findings.yaml
VIEWS = {"compare": update_compare, "mediate": update_mediate, "paper": update_paper}


def _as_json(value) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def _dicts(result):
    return [r.to_dict() for r in result] if isinstance(result, list) else result.to_dict()


@pytest.fixture(scope="module")
def workers(redis_url):
    settings = Settings(cache_type="RedisCache", redis_url=redis_url, warm_cache=False)
    redis.Redis.from_url(redis_url).flushdb()
    return create_app(settings), create_app(settings)


@pytest.mark.parametrize("kind", list(VIEWS))
def test_results_and_views_round_trip_between_workers(workers, redis_url, kind):
    first, second = workers
    with first.server.app_context():
        state, notices = services.decode(f"cohort={COHORT}&view={kind}")
        assert not notices and type(services.cache.cache).__name__ == "RedisCache"
        computed = services.run(kind, state)
        cohort, data = services.selection(state)
        rendered = services.cached_view(kind, state, lambda: VIEWS[kind](state, cohort, data))
    key = services.cache_key(kind, state)
    raw = redis.Redis.from_url(redis_url)
    assert raw.exists("flask_cache_" + key) and raw.exists("flask_cache_" + key + ":view")
    with second.server.app_context():
        stored = services.cache.get(key)
        stored_view = services.cache.get(key + ":view")
    assert type(stored) is type(computed)
    assert _dicts(stored) == _dicts(computed)
    assert _as_json(stored_view) == _as_json(rendered)
    if kind == "paper":
        assert len(computed) >= 1
