"""The widget build: committed, fresh, within its size budgets, served at a versioned URL."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

from surveyapp.widget import BUILD_DIR

EMBED = Path(__file__).resolve().parents[1] / "embed"
BUDGETS = {"loader.js": 3400, "renderer.js": 10 * 1024, "clicks.js": 1024}


def test_the_committed_build_matches_the_source():
    node = shutil.which("node")
    assert node, "Node.js is needed to check the widget build (the test command installs it)"
    result = subprocess.run([node, "build.mjs", "--check"], cwd=EMBED, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_widget_fits_its_size_budgets():
    for name, budget in BUDGETS.items():
        size = len(gzip.compress((BUILD_DIR / name).read_bytes(), 9))
        assert size <= budget, f"{name}: {size} B gzip is over its {budget} B budget"


def test_the_loader_is_served_cacheable_to_any_origin(client):
    resp = client.get("/embed/v1/loader.js", headers={"Origin": "https://customer.example"})
    assert resp.status_code == 200 and resp.mimetype == "text/javascript"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=3600" in resp.headers["Cache-Control"]
    assert b"/api/v1/client/" in resp.data
    assert client.get("/embed/v1/../config.py").status_code == 404
    assert client.get("/embed/v1/secrets.js").status_code == 404
