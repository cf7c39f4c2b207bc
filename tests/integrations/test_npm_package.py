"""The npm package build of the widget (embed/npm): its declarations type-check an app's
code and refuse wrong calls, the committed dist/ is what the source builds, and its version
is the app's (issue 25, item 5; the browser test is tests/e2e/test_widget_npm_in_browser.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "embed" / "npm"


def _node() -> str:
    node = shutil.which("node")
    assert node, "Node.js is needed (./dev.sh test installs it and embed/npm's dev dependencies)"
    return node


def _tsc(project: Path) -> subprocess.CompletedProcess[str]:
    tsc = PKG / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), "run `npm ci --prefix embed/npm` (./dev.sh test does)"
    return subprocess.run([str(tsc), "--noEmit", "-p", str(project)], cwd=PKG, capture_output=True,
                          text=True, timeout=180)


def test_the_declarations_type_check_an_apps_code_and_refuse_wrong_calls(tmp_path):
    """test/consumer.ts imports "@surveyapp/widget" through the package's exports: right
    calls pass, and every @ts-expect-error line (a missing key, a number as event name,
    nested attributes...) really is an error, or tsc reports the unused directive."""
    result = _tsc(PKG / "test" / "tsconfig.json")
    assert result.returncode == 0, result.stdout + result.stderr

    # And a mistake an app could make is reported with its place and the reason.
    (tmp_path / "app.ts").write_text('import { track, init } from "@surveyapp/widget";\n'
                                     'init({ key: "pk_x", hots: "https://s.example.com" });\n'
                                     'track("ok", { when: new Date() });\n')
    config = json.loads((PKG / "test" / "tsconfig.json").read_text())
    config["files"] = [str(tmp_path / "app.ts")]
    config["compilerOptions"]["paths"] = {"@surveyapp/widget": [str(PKG / "dist" / "index.d.ts")]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    result = _tsc(tmp_path / "tsconfig.json")
    assert result.returncode != 0
    assert "app.ts(2," in result.stdout and "hots" in result.stdout
    assert "app.ts(3," in result.stdout and "Date" in result.stdout


def test_the_committed_package_build_matches_the_source():
    result = subprocess.run([_node(), "build.mjs", "--check"], cwd=PKG, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_is_the_apps_version_and_ships_its_types():
    pkg = json.loads((PKG / "package.json").read_text())
    app = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert pkg["version"] == app
    assert pkg["exports"]["."] == {"types": "./dist/index.d.ts", "import": "./dist/index.js"}
    assert all((PKG / p).is_file() for p in (pkg["types"], pkg["module"]))
