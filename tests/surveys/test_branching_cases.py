"""Branching in one place: the server (``next_question``) and the widget (``next`` in
embed/src/logic.js, run by node) take every case in tests/fixtures/branching_cases.json to
the same next question. How the rules behave, and why (numbers given as text, Other
answers, case folding for ``contains``), is written at the top of that file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from surveyapp.surveys.definition import _ops_for, next_question, validate_definition

HERE = Path(__file__).resolve().parent
FIXTURE = json.loads((HERE.parent / "fixtures" / "branching_cases.json").read_text("utf-8"))
CASES = FIXTURE["cases"]
NAMES = [case["name"] for case in CASES]
SCALES = ("nps", "csat", "ces", "rating")


def _definition(case: dict[str, Any]) -> dict[str, Any]:
    """The case's survey as published: rules a survey could not have are refused here."""
    extra = {k: case[k] for k in ("pages", "variables") if k in case}
    return validate_definition({"questions": FIXTURE["surveys"][case.get("survey", "shop")],
                                "logic": case["logic"], **extra})


@pytest.fixture(scope="module")
def widget() -> dict[str, str]:
    node = shutil.which("node")
    assert node, "Node.js is needed to run the widget's branching (the test command installs it)"
    cases = [{"name": c["name"], "definition": _definition(c), "at": c["at"],
              "answers": c["answers"]} for c in CASES]
    result = subprocess.run([node, str(HERE / "branching_cases.mjs")], input=json.dumps(cases),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_the_server_follows_the_case(case):
    got = next_question(_definition(case), case["at"], case["answers"])
    assert got == case["next"], f"server: {case['name']!r} goes to {got!r}, not {case['next']!r}"


@pytest.mark.parametrize("case", CASES, ids=NAMES)
def test_the_widget_follows_the_case(case, widget):
    got = widget[case["name"]]
    assert got == case["next"], f"widget: {case['name']!r} goes to {got!r}, not {case['next']!r}"


def test_the_cases_have_distinct_names():
    assert len(set(NAMES)) == len(NAMES)


def test_the_cases_cover_every_operator_of_every_kind_of_question():
    """Each operator a question type allows is in some case (the four scales share one
    evaluator, so together they count as one kind), and every type that takes logic is."""
    by_id = {q["id"]: q for qs in FIXTURE["surveys"].values()
             for q in validate_definition({"questions": qs})["questions"]}
    kind = {t: "scale" if t in SCALES else t for t in {q["type"] for q in by_id.values()}}
    needed = {(kind[q["type"]], op) for q in by_id.values() for op in _ops_for(q)}
    covered, types = set(), set()
    for case in CASES:
        for rule in case["logic"]:
            when = rule.get("when")
            if when and when.get("question", rule["from"]) in by_id:  # (not a variable)
                subject = by_id[when.get("question", rule["from"])]
                covered.add((kind[subject["type"]], when["op"]))
                types.add(subject["type"])
    assert sorted(needed - covered) == []
    assert sorted(set(kind) - types) == []
