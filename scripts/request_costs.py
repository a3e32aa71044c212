"""Processor time and queries of one request of each kind, on SQLite, one client.

The pages `make loadtest` drives (scripts/loadtest.py), measured one at a time with
Django's test client in this process, so each figure is the server's own work for one
request (middleware, view, template, database), with no network or queueing:

    floor          POST /_loadtest/floor/ (one inserted row, the yardstick)
    bare floor     POST /_loadtest/bare/ (the same insert through plain Django: only the
                   session and authentication middleware; floor_overhead = floor / this)
    edit form      GET  /declarations/<pk>/edit/
    save+submit    POST the edit form with one line, an item, a small PNG, then=submit
    detail         GET  /declarations/<pk>/ (where that POST redirects)
    review page    GET  /declarations/<pk>/review/ (a reviewer)
    queue          GET  /declarations/review/ (a reviewer)

The scratch database and files are made by scripts/loadtest.py's `prepare` in a temporary
folder and removed at the end. Prints one line per kind: median and mean processor ms
(time.process_time) over --repeat requests, and the queries of one request; the last line
is JSON: {"kinds": {kind: {"ms", "floors", "queries"}}, "floor_overhead": …}. Goals: every
page <= 2.5 floors, save+submit <= 15 queries, floor_overhead <= 1.5.

    .venv/bin/python scripts/request_costs.py [--repeat 50] [--show-queries KIND] [--profile KIND]

(--profile slows the kind it profiles: read its figures without it.)
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--show-queries", default="", help="print the SQL of this kind")
    parser.add_argument("--profile", default="", help="print cProfile's top functions of this kind")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="jifen-costs-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'costs.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.loadtest",
        JIFEN_MEDIA_ROOT=str(folder / "media"),
        JIFEN_PRIVATE_MEDIA_ROOT=str(folder / "private"),
    )
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    try:
        run(options)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(options: argparse.Namespace) -> None:
    import loadtest

    members = max(3, options.repeat // 20 + 2)
    actors, reviewers, items = loadtest.prepare(members)

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    evidence = loadtest.png()
    host = {"HTTP_HOST": "127.0.0.1"}

    def client_of(actor: loadtest.Actor) -> Client:
        client = Client(**host)
        client.cookies[settings.SESSION_COOKIE_NAME] = actor.session
        return client

    # plain Django: a handler with only the session and authentication middleware
    with override_settings(
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ]
    ):
        bare = client_of(actors[0])
        bare.handler.load_middleware()

    costs: dict[str, list[float]] = {}
    profiler = cProfile.Profile()
    queries: dict[str, list[str]] = {}

    def measure(kind: str, call, expect: int):  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as captured:
            profiling = kind == options.profile
            if profiling:
                profiler.enable()
            start = time.process_time()
            response = call()
            spent = time.process_time() - start
            if profiling:
                profiler.disable()
        if response.status_code != expect:
            raise SystemExit(f"{kind}: {response.status_code}, expected {expect}")
        costs.setdefault(kind, []).append(spent * 1000)
        queries[kind] = [q["sql"] for q in captured.captured_queries]
        return response

    def key() -> dict[str, str]:
        return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4()), **host}

    # one browser per member, as in the load test (a client loads the middleware once)
    browsers = {id(a): client_of(a) for a in actors}
    pending = [(browsers[id(a)], a, pk) for a in actors for pk in a.drafts]
    submitted: list[int] = []
    # one untimed round first (imports, template loading, caches)
    for round_ in range(options.repeat + 1):
        client, actor, pk = pending[round_]
        timed = round_ > 0
        run_kind = measure if timed else (lambda _kind, call, expect: call())
        run_kind("floor", lambda c=client: c.post("/_loadtest/floor/", **key()), 200)
        run_kind("bare floor", lambda: bare.post("/_loadtest/bare/"), 200)
        form = run_kind("edit form", lambda c=client, p=pk: c.get(f"/declarations/{p}/edit/"), 200)
        page = form.content.decode()
        version = loadtest._found(loadtest.VERSION_RE, page)
        fields = {
            "version": version,
            "name": actor.name,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": loadtest._found(loadtest.INITIAL_RE, page) or "1",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "30",
            "lines-0-id": "",
            "lines-0-description": "月末集中申报：参加社区志愿服务两小时。",
            "lines-0-suggested_item": str(loadtest._item_on_page(page, items)),
            "then": "submit",
        }

        def post(c=client, p=pk, f=fields):  # type: ignore[no-untyped-def]
            from django.core.files.uploadedfile import SimpleUploadedFile

            data = {**f, "lines-0-evidence": SimpleUploadedFile("photo.png", evidence)}
            return c.post(f"/declarations/{p}/edit/", data, **key())

        answer = run_kind("save+submit", post, 302)
        if answer["Location"] != f"/declarations/{pk}/":
            raise SystemExit(f"save+submit went to {answer['Location']}")
        run_kind("detail", lambda c=client, p=pk: c.get(f"/declarations/{p}/"), 200)
        submitted.append(pk)

    reviewer = client_of(reviewers[0])
    for round_ in range(options.repeat + 1):
        pk = submitted[round_ % len(submitted)]
        timed = round_ > 0
        run_kind = measure if timed else (lambda _kind, call, expect: call())
        run_kind("review page", lambda p=pk: reviewer.get(f"/declarations/{p}/review/"), 200)
        run_kind("queue", lambda: reviewer.get("/declarations/review/"), 200)

    floor = statistics.median(costs["floor"])
    print(f"{'kind':<12} {'median ms':>9} {'mean ms':>8} {'floors':>6} {'queries':>7}")
    for kind, values in costs.items():
        median = statistics.median(values)
        print(
            f"{kind:<12} {median:9.2f} {statistics.mean(values):8.2f}"
            f" {median / floor:6.1f} {len(queries[kind]):7d}"
        )
    member = sum(statistics.median(costs[k]) for k in ("edit form", "save+submit", "detail"))
    print(f"one declaration (edit form + save+submit + detail): {member:.2f} ms")
    kinds = {
        kind: {
            "ms": round(statistics.median(values), 3),
            "floors": round(statistics.median(values) / floor, 2),
            "queries": len(queries[kind]),
        }
        for kind, values in costs.items()
    }
    overhead = floor / statistics.median(costs["bare floor"])
    if options.profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            int(os.environ.get("PROFILE_LINES", "45"))
        )
    if options.show_queries:
        for sql in queries.get(options.show_queries, []):
            print(sql[:300])
    print(json.dumps({"kinds": kinds, "floor_overhead": round(overhead, 2)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
