"""Refresh the README's screenshots (docs/screenshot-*.png) from the running demo (#27).

    .venv/bin/python -m tests.e2e.docs_screenshots [--out docs]

Seeds the demo as a newcomer gets it (SQLite in a temporary directory), starts gunicorn,
a worker and the pretend customer page, and photographs with Debian's Chromium, at
1366 x 900: the overview, a survey's page, the editor with its preview, and the widget on
the customer page. Not a test: it asserts nothing beyond each page being there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from surveyapp.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.e2e.conftest import CHROMIUM_ARGS, LiveServer, chromium_path, surveyapp
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1366, "height": 900}


def _serve(data_dir: Path) -> tuple[LiveServer, list[subprocess.Popen[bytes]]]:
    env = {**os.environ, "SURVEYAPP_DATA_DIR": str(data_dir)}
    env.pop("SURVEYAPP_DATABASE_URL", None)
    port = free_port()
    procs = [subprocess.Popen([sys.executable, "-m", "surveyapp", "serve", "--port", str(port),
                               "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL),
             subprocess.Popen([sys.executable, "-m", "surveyapp", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    base = LiveServer(f"http://127.0.0.1:{port}")
    base.data_dir = data_dir
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return base, procs
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the demo server did not start") from None
            time.sleep(0.3)


def shoot(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from surveyapp.demo.host import start_host

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        surveyapp(data_dir, "demo", "--seed-only", "--responses", "600")
        base, procs = _serve(data_dir)
        (key,) = base.query("SELECT e.client_key FROM environment e JOIN workspace w ON "
                            "w.id = e.workspace_id WHERE w.slug = 'demo' ORDER BY e.id")[0]
        ((survey_id,),) = base.query(
            "SELECT s.id FROM survey s JOIN workspace w ON w.id = s.workspace_id "
            "WHERE w.slug = 'demo' AND s.name = 'Product NPS'")
        host_port = free_port()
        host = start_host("127.0.0.1", host_port, base, key)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.goto(base + "/login")
                page.get_by_label("Email").fill(DEMO_EMAIL)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url("**/w/demo/")

                def save(name: str) -> None:
                    path = out / f"screenshot-{name}.png"
                    page.screenshot(path=str(path))
                    written.append(path)

                save("dashboard")
                page.goto(f"{base}/w/demo/surveys/{survey_id}")
                page.wait_for_load_state("networkidle")
                save("survey")
                page.goto(f"{base}/w/demo/surveys/{survey_id}/edit")
                page.locator("#preview-mount").get_by_role("dialog").wait_for()
                # The branching rules in words beside the preview (it stays in view).
                page.evaluate("() => window.scrollTo(0, document.getElementById('logic')"
                              ".getBoundingClientRect().top + window.scrollY - 380)")
                save("builder")

                widget = browser.new_context(viewport=VIEWPORT).new_page()
                widget.goto(f"http://127.0.0.1:{host_port}/welcome")
                widget.focus("#finish")
                widget.keyboard.press("Enter")  # the onboarding survey's trigger
                widget.get_by_role("dialog").wait_for(timeout=15_000)
                page = widget
                save("widget")
                browser.close()
        finally:
            host.shutdown()
            host.server_close()
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=15)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    for path in shoot(args.out):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
