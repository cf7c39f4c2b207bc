"""Gzip sizes of the widget against its budgets and against peers' published sizes.

    .venv/bin/python bench/widget_size.py

The baseline measured in the same run is the size of the same file minified but not
gzipped (the ratio shows what gzip buys); budgets come from issue 5.
"""

from __future__ import annotations

import gzip
from pathlib import Path

BUILD = Path(__file__).resolve().parents[1] / "surveyapp" / "static" / "embed" / "v1"
BUDGETS = {"loader.js": 3400, "renderer.js": 10 * 1024, "clicks.js": 1024}
PEER_FORMBRICKS_KB = 190  # Formbricks' widget, as quoted in issue 5 (not measured here)


def main() -> None:
    total = 0
    print(f"{'file':<12} {'minified':>9} {'gzip':>7} {'budget':>7}  of budget")
    for name, budget in BUDGETS.items():
        raw = (BUILD / name).read_bytes()
        gz = len(gzip.compress(raw, 9))
        total += gz
        verdict = "ok" if gz <= budget else "OVER"
        print(f"{name:<12} {len(raw):>8}B {gz:>6}B {budget:>6}B  {gz / budget:6.0%}  {verdict}")
    print(f"loader + renderer + clicks: {total} B gzip "
          f"({total / 1024:.1f} KB; Formbricks is quoted at about {PEER_FORMBRICKS_KB} KB)")


if __name__ == "__main__":
    main()
