"""The report's "most complained about" / "want changed first" list (issue #20, item 4),
from the stored annotations of the known dataset of tests/reports/conftest.py."""

from __future__ import annotations

from collections import Counter

from surveyapp.reports.themes import survey_analysis
from tests.reports.conftest import THEMES, dataset  # noqa: F401 (the fixture)


def test_most_complained_about_comes_from_the_negative_answers(db, dataset) -> None:  # noqa: F811
    (qa,) = survey_analysis(db.session, dataset.survey, {"why": "Why?"}, full=False)
    assert qa.question_kind == "open"
    answered = [i for i, r in enumerate(dataset.rows) if "why" in r["answers"]]
    negative = Counter(THEMES[dataset.themes[i]] for i in answered if dataset.themes[i] != 2)
    want = sorted(negative.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(c["label"], c["asks"]) for c in qa.change_first] == want
    # "Support" answers are all positive: nothing to change there
    assert "Support" not in {c["label"] for c in qa.change_first}
    assert all(c["negative_share"] == 1.0 for c in qa.change_first)


def test_the_report_page_lists_them(db, client, team, dataset) -> None:  # noqa: F811
    from surveyapp.models import Role
    from tests.conftest import login

    login(client, team.users[Role.VIEWER].email)
    resp = client.get(f"/w/{team.workspace.slug}/surveys/{dataset.survey.id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    block = html[html.index('class="change-first"'):]
    block = block[: block.index("</ol>")]
    assert "Most complained about" in block
    answered = [i for i, r in enumerate(dataset.rows) if "why" in r["answers"]]
    negative = Counter(THEMES[dataset.themes[i]] for i in answered if dataset.themes[i] != 2)
    (first, n1), (second, n2) = sorted(negative.items(), key=lambda kv: (-kv[1], kv[0]))
    assert block.index(first) < block.index(second)
    assert f"{n1} answers negative" in block and f"{n2} answers negative" in block
    assert "Support" not in block
