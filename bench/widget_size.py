"""Bytes the widget puts on the wire, against its budgets and against peers measured now.

    npm ci --prefix bench/peers          # once: posthog-js and Formbricks from npm
    .venv/bin/python bench/widget_size.py

Ours is measured as served: the demo workspace is seeded into a temporary data directory
and every file and API answer is fetched from the app with ``Accept-Encoding: gzip,
deflate, br`` (what Chromium sends over HTTPS). "Transferred" is the status line, the
response headers and the encoded body (the HTTP server adds ~100 B more: Date, Server,
Connection; under HTTP/2 headers are compressed and count for less), for

* an idle page (no survey shows): ``loader.js`` and the environment's config;
* a page that shows a survey: that, plus ``renderer.js`` and the survey's definition.

The peers are compressed here with the same brotli settings as ours (quality 11, what a
CDN serving precompressed files sends), from their npm packages (versions pinned in
bench/peers/package-lock.json): posthog-js ``dist/array.js`` (idle) and
``dist/surveys.js`` (shown); Formbricks ``@formbricks/js`` (idle: its loader, which then
downloads ``formbricks.umd.cjs`` from the Formbricks app -- not on npm, so not counted,
and Formbricks' idle figure is a lower bound) and ``@formbricks/surveys``
``dist/index.umd.js`` (shown). Their config requests are not counted either.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import brotli

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "surveyapp" / "static" / "embed" / "v1"
PEERS = ROOT / "bench" / "peers" / "node_modules"
BUDGETS = {"loader.js": 3520, "renderer.js": 10 * 1024, "clicks.js": 1024, "personalize.js": 2048,
           "heatmap.js": 3072, "q-input.js": 3072,
           "q-rich.js": 3072}  # as embed/build.mjs (the loader: 3,450 -> 3,520 B for the
           # personalize hook, issue 23)
IDLE_BUDGET = 4 * 1024  # bytes transferred by an idle page, issue 19
ACCEPT = {"Accept-Encoding": "gzip, deflate, br", "Origin": "https://customer.example"}


def files() -> None:
    print(f"{'file':<14} {'minified':>9} {'gzip':>7} {'brotli':>7} {'budget':>7}  of budget (gzip)")
    for name, budget in BUDGETS.items():
        raw = (BUILD / name).read_bytes()
        gz, br = len(gzip.compress(raw, 9)), len(brotli.compress(raw, quality=11))
        verdict = "ok" if gz <= budget else "OVER"
        print(f"{name:<14} {len(raw):>8}B {gz:>6}B {br:>6}B {budget:>6}B  {gz / budget:6.0%}  {verdict}")


def transferred(client: Any, url: str) -> tuple[int, int, str]:
    """(encoded body bytes, with status line and headers, content encoding)."""
    resp = client.get(url, headers=ACCEPT)
    assert resp.status_code == 200, (url, resp.status_code)
    head = len(f"HTTP/1.1 {resp.status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in resp.headers) + 2
    return len(resp.data), len(resp.data) + head, resp.headers.get("Content-Encoding", "identity")


def ours() -> tuple[int, int]:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "SURVEYAPP_DATA_DIR": data}
        env.pop("SURVEYAPP_DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "surveyapp", "demo", "--seed-only", "--responses", "50"],
                       env=env, check=True, capture_output=True, timeout=600)
        from surveyapp import create_app
        from surveyapp.demo import client_key

        app = create_app({"env": "testing", "secret_key": "b" * 40, "data_dir": Path(data)})
        with app.app_context():
            key = client_key()
        client = app.test_client()
        config = client.get(f"/api/v1/client/{key}/config").get_json()
        loader = (BUILD / "loader.js").read_text()
        version = loader.split('"renderer.js?v=')[1].split('"')[0]
        survey = max(config["surveys"], key=lambda s: s["id"])  # any; the NPS is the largest
        parts = {
            "loader.js": "/embed/v1/loader.js",
            "config": f"/api/v1/client/{key}/config",
            "renderer.js": f"/embed/v1/renderer.js?v={version}",
            "definition": f"/api/v1/client/{key}/surveys/{survey['id']}/{survey['version']}",
        }
        sizes = {name: transferred(client, url) for name, url in parts.items()}
    print(f"\nours, as served ({len(config['surveys'])} live surveys in the demo's config, "
          f"{len(json.dumps(config))} B as JSON)")
    for name, (body, total, enc) in sizes.items():
        print(f"  {name:<12} {body:>6} B body ({enc:<8}) {total:>6} B with headers")
    idle = sum(sizes[n][1] for n in ("loader.js", "config"))
    shown = idle + sum(sizes[n][1] for n in ("renderer.js", "definition"))
    bodies = sum(sizes[n][0] for n in ("loader.js", "config"))
    print(f"  idle page: {bodies} B of bodies, {idle} B with headers; shown survey: "
          f"{bodies + sizes['renderer.js'][0] + sizes['definition'][0]} B of bodies, {shown} B with headers")
    return idle, shown


def br(path: Path) -> int:
    return len(brotli.compress(path.read_bytes(), quality=11))


def peers() -> dict[str, tuple[int, int]]:
    if not PEERS.exists():
        sys.exit("peers are not installed: npm ci --prefix bench/peers")
    version = {p: json.loads((PEERS / p / "package.json").read_text())["version"]
               for p in ("posthog-js", "@formbricks/js", "@formbricks/surveys")}
    posthog = br(PEERS / "posthog-js/dist/array.js"), br(PEERS / "posthog-js/dist/surveys.js")
    fb = br(PEERS / "@formbricks/js/dist/index.js"), br(PEERS / "@formbricks/surveys/dist/index.umd.js")
    return {f"posthog-js {version['posthog-js']}": (posthog[0], posthog[0] + posthog[1]),
            f"@formbricks/js {version['@formbricks/js']} + surveys {version['@formbricks/surveys']}"
            " (idle: lower bound)": (fb[0], fb[0] + fb[1])}


def main() -> None:
    files()
    idle, shown = ours()
    rows = {"surveyapp (with headers)": (idle, shown), **peers()}
    print(f"\n{'bytes transferred':<58} {'idle page':>10} {'shows a survey':>15}")
    for name, (i, s) in rows.items():
        print(f"{name:<58} {i:>9}B {s:>14}B   idle x{i / idle:5.1f}  shown x{s / shown:5.1f}")
    verdict = "ok" if idle <= IDLE_BUDGET else "OVER"
    print(f"\nidle page: {idle} B transferred, budget {IDLE_BUDGET} B: {verdict}")


if __name__ == "__main__":
    main()
