"""Same-run A/B of personalization's caches, in process (Flask test client, no HTTP).

    .venv/bin/python bench/personalization_caches.py sqlite|postgres

The server API decision (bench/personalization.py's workspace: 2,000 users, a slot with a
page, a segment + event and an attribute rule) with the caches off -- every request looks
the secret key up and writes its last use, reads the live version's definition and
decides -- and on (surveyapp/platform/apikeys.py, decide.DecisionCache, the definition
cache and the hot path's slot, workspace, person and profile-answer caches of
surveyapp/personalization/hot.py; exposures are batched in both), interleaved request by
request so the machine's load hits both alike. 400 first calls (new visitor or page),
then 200 repeats of a visitor and page already asked. Prints
the p50 of each; the ratio is what the caches save, the absolute figures depend on load.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import personalization as b  # noqa: E402
from _common import database_urls  # noqa: E402

gen = database_urls(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
label, url = next(gen)
key, secret = b.prepare(url)
from surveyapp import create_app  # noqa: E402
from surveyapp.personalization import decide, hot  # noqa: E402
from surveyapp.platform import apikeys  # noqa: E402

app = create_app({"database_url": url, "data_dir": Path(tempfile.mkdtemp())})
c = app.test_client()
auth = {"Authorization": f"Bearer {secret}"}
rng = random.Random(1)


def path() -> str:
    return (f"/api/v1/personalize?slot=onboarding_tip&user=u_{rng.randrange(b.USERS)}"
            f"&page={rng.choice(b.PAGES)}")


def mode(on: bool) -> None:
    apikeys.KEY_CACHE_SECONDS = 10.0 if on else 0.0
    apikeys.LAST_USE_EVERY = dt.timedelta(minutes=1) if on else dt.timedelta(0)
    decide.CACHE.seconds = 30.0 if on else 0.0
    hot.SLOT_SECONDS, hot.WORKSPACE_SECONDS, hot.PERSON_SECONDS, hot.PROFILE_SECONDS = \
        (2.0, 10.0, 5.0, 30.0) if on else (0.0, 0.0, 0.0, 0.0)
    if not on:
        decide._definitions.clear()
        for cache in (hot.SLOTS, hot.WORKSPACES, hot.PEOPLE, hot.ANSWERS):
            cache.clear()


for _ in range(30):
    c.get(path(), headers=auth)
res: dict[bool, list[float]] = {False: [], True: []}
rep: dict[bool, list[float]] = {False: [], True: []}
seen: dict[bool, list[str]] = {False: [], True: []}
for i in range(400):
    on = i % 2 == 1
    mode(on)
    p = path()
    seen[on].append(p)
    t = time.perf_counter()
    r = c.get(p, headers=auth)
    res[on].append(time.perf_counter() - t)
    assert r.status_code == 200, r.data
for i in range(200):  # the same visitor and page asked again (a product asks on every page view)
    on = i % 2 == 1
    mode(on)
    p = seen[on][i // 2]
    t = time.perf_counter()
    c.get(p, headers=auth)
    rep[on].append(time.perf_counter() - t)


def ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


print(f"{label}: first calls p50 off {ms(res[False]):.1f} ms / on {ms(res[True]):.1f} ms; "
      f"repeats p50 off {ms(rep[False]):.1f} ms / on {ms(rep[True]):.1f} ms")
next(gen, None)  # drops the PostgreSQL database
