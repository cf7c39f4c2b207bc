"""The survey and theme reports' figures, checked against the raw rows of a known dataset
and against scipy/statsmodels reference computations."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import chi2_contingency
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from surveyapp.reports import stats
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import survey_report
from surveyapp.reports.themes import survey_analysis
from tests.reports.conftest import TODAY


def nps_of(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def contribution(scores: list[int]) -> np.ndarray:
    return np.array([1 if s >= 9 else -1 if s <= 6 else 0 for s in scores])


# ----------------------------------------------------------------------------- statistics
@pytest.mark.parametrize("pro,det,n", [(60, 36, 120), (3, 1, 7), (0, 9, 9), (500, 200, 1000)])
def test_nps_interval_matches_statsmodels(pro, det, n):
    x = np.array([1] * pro + [-1] * det + [0] * (n - pro - det))
    low, high = DescrStatsW(x).zconfint_mean(alpha=0.05)
    ours = stats.nps_ci(pro, det, n)
    assert ours == (round(100 * max(low, -1), 1), round(100 * min(high, 1), 1))


@pytest.mark.parametrize("k,n", [(0, 10), (7, 10), (54, 110), (999, 1000)])
def test_wilson_interval_matches_statsmodels(k, n):
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert stats.wilson(k, n) == (round(100 * low, 1), round(100 * high, 1))


def test_nps_change_between_periods_is_the_difference_with_both_variances():
    a, b = (60, 20, 100), (40, 40, 100)
    xa = np.array([1] * 60 + [-1] * 20 + [0] * 20)
    xb = np.array([1] * 40 + [-1] * 40 + [0] * 20)
    se = np.sqrt(xa.var(ddof=1) / 100 + xb.var(ddof=1) / 100)
    got = stats.nps_difference(a, b)
    assert got["diff"] == 40.0 and got["significant"]
    assert got["low"] == round(100 * (0.4 - stats.Z95 * se), 1)


# ----------------------------------------------------------------------------- survey report
def test_counts_drop_off_and_question_figures_match_the_rows(db, dataset):
    rows = dataset.rows
    r = survey_report(db.session, dataset.survey, ReportFilter(), today=TODAY)
    assert r.total == 120 and r.finished == sum(x["finished"] for x in rows) == 100
    funnel = {f["id"]: f for f in r.funnel}
    assert funnel["sat"]["answered"] == sum("sat" in x["answers"] for x in rows)
    # Partial responses that stopped after the score (no satisfaction answer) vs after "sat".
    partial = [x for x in rows if not x["finished"]]
    assert funnel["score"]["stopped"] == sum("sat" not in x["answers"] for x in partial) == 10
    assert funnel["sat"]["stopped"] == sum("sat" in x["answers"] for x in partial) == 10

    q = {x.id: x for x in r.questions}
    scores = [x["answers"]["score"] for x in rows]
    assert q["score"].figures["nps"] == round(nps_of(scores), 1)
    assert q["score"].figures["promoters"] == sum(s >= 9 for s in scores)
    sats = [x["answers"]["sat"] for x in rows if "sat" in x["answers"]]
    assert q["sat"].figures["good"] == sum(s >= 4 for s in sats)
    assert [d["count"] for d in q["sat"].distribution] == [sats.count(v) for v in range(1, 6)]
    mean = DescrStatsW(np.array(sats, dtype=float))
    low, high = mean.zconfint_mean()
    assert q["sat"].figures["mean"] == {"mean": round(float(np.mean(sats)), 2),
                                        "low": round(low, 2), "high": round(high, 2)}
    # Multiple choice: every chosen option counts; "other" answers are grouped.
    uses: Counter[str] = Counter()
    for x in rows:
        for item in x["answers"].get("uses", []):
            uses["other" if isinstance(item, dict) else item] += 1
    got = {d["label"]: d["count"] for d in q["uses"].distribution}
    assert got == {"Charts": uses["charts"], "Export": uses["export"], "API": uses["api"],
                   "Other": uses["other"]}
    plan = {d["label"]: d["count"] for d in q["plan"].distribution}
    assert plan == {"Free": sum(x["answers"].get("plan") == "free" for x in rows),
                    "Pro": sum(x["answers"].get("plan") == "pro" for x in rows)}


def test_every_filter_narrows_every_panel(db, dataset):
    rows = dataset.rows
    f = ReportFilter.from_args({"from": "2026-03-05", "to": "2026-03-20", "device": "desktop",
                                "attr0": "plan", "val0": "free", "url": "settings"})
    r = survey_report(db.session, dataset.survey, f, by="day", today=TODAY)
    contacts = {x["contact_id"] for i, x in enumerate(rows) if (i % 40) % 4 != 0}
    kept = [x for x in rows if dt.date(2026, 3, 5) <= x["created_at"].date() <= dt.date(2026, 3, 20)
            and x["meta"]["device"] == "desktop" and x["contact_id"] in contacts
            and "settings" in x["meta"]["url"]]
    assert 0 < r.total == len(kept) < 120
    q = {x.id: x for x in r.questions}
    assert q["score"].n == len(kept)
    assert q["score"].figures["nps"] == round(nps_of([x["answers"]["score"] for x in kept]), 1)
    assert sum(t["responses"] for t in r.trend["rows"]) == len(kept)
    days = Counter(x["created_at"].date().isoformat() for x in kept)
    assert {t["bucket"]: t["responses"] for t in r.trend["rows"]} == dict(days)
    assert sum(b["responses"] for b in r.breakdown["rows"]) + r.breakdown["suppressed"] == len(kept)
    # The theme report follows the same filter.
    [a] = survey_analysis(db.session, dataset.survey, {}, f)
    themed = [x for x in kept if "why" in x["answers"]]
    assert sum(t.count for t in a.themes) == len(themed)


def test_version_locale_filters_and_bad_input(db, dataset):
    r = survey_report(db.session, dataset.survey, ReportFilter.from_args({"locale": "de"}), today=TODAY)
    assert r.total == sum(x["meta"]["locale"] == "de" for x in dataset.rows) == 12
    assert survey_report(db.session, dataset.survey, ReportFilter.from_args({"version": "2"}),
                         today=TODAY).total == 0
    f = ReportFilter.from_args({"from": "yesterday", "version": "x", "to": "2026-01-01"})
    assert set(f.errors) == {"from", "version"} and f.start is None and f.version is None


def test_period_comparison_and_small_groups_are_suppressed(db, dataset):
    rows = dataset.rows
    f = ReportFilter.from_args({"from": "2026-03-16", "to": "2026-03-31"})
    r = survey_report(db.session, dataset.survey, f, breakdown_by="locale", k=15, today=TODAY)
    cur = [x for x in rows if x["created_at"].date() >= dt.date(2026, 3, 16)]
    prev = [x for x in rows if dt.date(2026, 2, 28) <= x["created_at"].date() < dt.date(2026, 3, 16)]
    c = r.comparison
    assert (c["current"]["responses"], c["previous"]["responses"]) == (len(cur), len(prev))
    assert c["current"]["nps"] == round(nps_of([x["answers"]["score"] for x in cur]), 1)
    assert c["previous"]["nps"] == round(nps_of([x["answers"]["score"] for x in prev]), 1)
    # "de" has fewer than k=15 responses in the period: its row is not shown, only counted.
    groups = {b["group"] for b in r.breakdown["rows"]}
    de = sum(x["meta"]["locale"] == "de" for x in cur)
    assert 0 < de < 15 and "de" not in groups and r.breakdown["suppressed"] == de


# ----------------------------------------------------------------------------- theme report
def _frame(dataset) -> pd.DataFrame:
    out = []
    for i, x in enumerate(dataset.rows):
        if "why" in x["answers"]:
            s = x["answers"]["score"]
            out.append({"theme": dataset.themes[i], "score": s,
                        "group": "promoter" if s >= 9 else "passive" if s >= 7 else "detractor",
                        "device": x["meta"]["device"], "y": 100 * contribution([s])[0]})
    return pd.DataFrame(out)


def test_theme_by_nps_group_chi_square_and_bh_match_scipy_and_statsmodels(db, dataset):
    df = _frame(dataset)
    [a] = survey_analysis(db.session, dataset.survey, {}, ReportFilter(), k=1)
    assert {t.label: t.count for t in a.themes} == {
        name: int((df["theme"] == tid).sum()) for tid, name in {0: "Slow pages", 1: "Pricing", 2: "Support"}.items()}
    pvalues, chis = {}, {}
    for tid in (0, 1, 2):
        table = pd.crosstab(df["theme"] == tid, df["group"]).reindex([True, False])
        res = chi2_contingency(table.to_numpy(), correction=False)
        pvalues[tid], chis[tid] = res.pvalue, res.statistic
    ids = sorted(pvalues)
    _, adjusted, _, _ = multipletests([pvalues[t] for t in ids], method="fdr_bh")
    rows = {row["theme"]: row for row in a.nps_table["rows"]}
    for tid, adj in zip(ids, adjusted, strict=True):
        assert rows[tid]["chi2"] == pytest.approx(chis[tid])
        assert rows[tid]["p"] == pytest.approx(pvalues[tid])
        assert rows[tid]["p_adjusted"] == pytest.approx(adj)
    # Lift: promoters talk about support far more than average.
    support = {c["group"]: c for c in rows[2]["cells"]}
    share = (df["theme"] == 2).mean()
    promoters = df[df["group"] == "promoter"]
    assert support["promoter"]["lift"] == round((promoters["theme"] == 2).mean() / share, 2) > 1.5
    # NPS by theme, and every theme's quotes come scrubbed by the template filter, not here.
    support_row = next(t for t in a.themes if t.id == 2)
    assert support_row.nps == round(nps_of(df[df["theme"] == 2]["score"].tolist()), 1)


def test_theme_by_attribute_hides_small_cells(db, dataset):
    [a] = survey_analysis(db.session, dataset.survey, {}, ReportFilter(), attribute="device", k=5)
    table = a.attr_table
    assert table["by"] == "device" and set(table["groups"]) == {"desktop", "mobile"}
    df = _frame(dataset)
    for row in table["rows"]:
        for cell in row["cells"]:
            n = int(((df["theme"] == row["theme"]) & (df["device"] == cell["group"])).sum())
            total = int((df["device"] == cell["group"]).sum())
            if 0 < n < 5 or 0 < total - n < 5:
                assert cell["n"] is None and cell["share"] is None
            else:
                assert cell["n"] == n


def test_drivers_regression_matches_ols_on_the_raw_rows(db, dataset):
    df = _frame(dataset)
    [a] = survey_analysis(db.session, dataset.survey, {}, ReportFilter(), attribute="device")
    d = a.drivers
    # Reference: OLS on one row per answer; baseline theme = the largest (no unthemed
    # answers here), baseline device = the most common.
    biggest = df["theme"].value_counts().idxmax()
    X = pd.DataFrame({f"t{t}": (df["theme"] == t).astype(float) for t in (0, 1, 2) if t != biggest})
    X["mobile"] = (df["device"] == "mobile").astype(float)
    fit = sm.OLS(df["y"].astype(float), sm.add_constant(X)).fit()
    ci = fit.conf_int()
    names = {"t0": "Slow pages", "t1": "Pricing", "t2": "Support", "mobile": "device = mobile"}
    got = {x.name: x for x in d["drivers"]}
    assert set(got) == {names[c] for c in X.columns}
    for col in X.columns:
        x = got[names[col]]
        assert x.coef == pytest.approx(fit.params[col])
        assert (x.low, x.high) == (pytest.approx(ci.loc[col, 0]), pytest.approx(ci.loc[col, 1]))
        assert x.p == pytest.approx(fit.pvalues[col], rel=1e-6, abs=1e-12)
    assert d["n"] == len(df) and d["r2"] == pytest.approx(fit.rsquared)
    assert got["Slow pages"].coef < 0  # detractors complain about speed


def test_segment_filter_and_theme_by_segment(db, dataset, team, other_team):
    import datetime as _dt

    from sqlalchemy import select as _select

    from surveyapp.models import Contact
    from surveyapp.models.segments import Segment, SegmentMember, SegmentRun

    ws = team.workspace
    run = SegmentRun(workspace_id=ws.id, environment_id=ws.environments[0].id,
                     window_end=_dt.datetime(2026, 3, 31, tzinfo=_dt.UTC), status="saved")
    power = Segment(workspace_id=ws.id, run=run, key="power", name="Power users")
    casual = Segment(workspace_id=ws.id, run=run, key="casual", name="Casual")
    db.session.add_all([run, power, casual])
    db.session.flush()
    contacts = db.session.scalars(_select(Contact.id).order_by(Contact.id)).all()
    db.session.add_all([SegmentMember(segment_id=(power if i < 10 else casual).id, contact_id=c)
                        for i, c in enumerate(contacts)])
    db.session.commit()
    in_power = [x for x in dataset.rows if x["contact_id"] in set(contacts[:10])]
    f = ReportFilter.from_args({"segment": str(power.id)})
    r = survey_report(db.session, dataset.survey, f, breakdown_by="segment", today=TODAY)
    assert r.total == len(in_power) == 30
    assert [b["group"] for b in r.breakdown["rows"]] == ["Power users"]
    whole = survey_report(db.session, dataset.survey, ReportFilter(), breakdown_by="segment",
                          today=TODAY)
    assert {b["group"]: b["responses"] for b in whole.breakdown["rows"]} == {"Casual": 90,
                                                                          "Power users": 30}
    [a] = survey_analysis(db.session, dataset.survey, {}, ReportFilter(), attribute="segment")
    assert set(a.attr_table["groups"]) == {"Casual", "Power users"}
    # A segment of another workspace matches nobody here.
    theirs = SegmentRun(workspace_id=other_team.workspace.id,
                        environment_id=other_team.workspace.environments[0].id,
                        window_end=_dt.datetime(2026, 3, 31, tzinfo=_dt.UTC), status="saved")
    seg = Segment(workspace_id=other_team.workspace.id, run=theirs, key="x", name="Theirs")
    db.session.add_all([theirs, seg])
    db.session.flush()
    db.session.add(SegmentMember(segment_id=seg.id, contact_id=contacts[0]))
    db.session.commit()
    assert survey_report(db.session, dataset.survey, ReportFilter.from_args({"segment": str(seg.id)}),
                         today=TODAY).total == 0


def test_cached_rollup_plus_live_rows_equal_the_raw_report(app, db, dataset):
    """After a refresh, the report reads cached rows of settled responses and adds newer or
    still-open ones live: every panel equals the report computed from raw responses."""
    from sqlalchemy import func, insert, select, update

    from surveyapp.models import Response
    from surveyapp.models.insights import ReportRollup, ReportRollupState

    survey = dataset.survey
    # One response is still open (started an hour ago, unfinished) when the cache is built.
    now = dt.datetime.now(dt.UTC)
    env_id, version_id = survey.environment_id, survey.current_version.id
    db.session.execute(insert(Response), [{
        "environment_id": env_id, "client_id": "open", "survey_id": survey.id,
        "version_id": version_id, "finished": False, "answers": {"score": 3},
        "created_at": now - dt.timedelta(hours=1), "meta": {"device": "mobile"}}])
    db.session.commit()
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from surveyapp.cli import main

    result = CliRunner().invoke(main, ["refresh-report-rollups"],
                                obj=ScriptInfo(create_app=lambda: app))
    assert "Refreshed 1 survey(s)" in result.output, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ReportRollup)) > 0
    # Then: the open response finishes, and a new one arrives.
    db.session.execute(update(Response).where(Response.client_id == "open").values(
        finished=True, finished_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
        answers={"score": 3, "sat": 1, "plan": "pro", "uses": ["api"]}))
    db.session.execute(insert(Response), [{
        "environment_id": env_id, "client_id": "new", "survey_id": survey.id,
        "version_id": version_id, "finished": True, "answers": {"score": 10, "uses": ["charts"]},
        "created_at": now, "meta": {"device": "desktop"}}])
    db.session.commit()

    def figures(report):
        return (report.total, report.finished, report.funnel,
                [(q.id, q.n, q.figures, q.distribution) for q in report.questions],
                report.trend, report.comparison, report.breakdown)

    for args in ({}, {"device": "mobile"}, {"from": "2026-03-10", "version": "1"}):
        f = ReportFilter.from_args(args)
        cached = survey_report(db.session, survey, f, today=TODAY)
        state = db.session.get(ReportRollupState, survey.id)
        db.session.delete(state)
        db.session.flush()
        raw = survey_report(db.session, survey, f, today=TODAY)
        assert figures(cached) == figures(raw)
        themes_raw = survey_analysis(db.session, survey, {}, f)
        db.session.rollback()  # the cache is back
        assert db.session.get(ReportRollupState, survey.id) is not None
        themes_cached = survey_analysis(db.session, survey, {}, f)
        assert [(t.id, t.count, t.nps) for t in themes_cached[0].themes] == \
            [(t.id, t.count, t.nps) for t in themes_raw[0].themes]
        assert themes_cached[0].nps_table == themes_raw[0].nps_table
    assert survey_report(db.session, survey, ReportFilter(), today=TODAY).total == 122


def test_drivers_need_an_outcome_that_varies():
    rows = [{"y": -100.0, "theme:1": 1.0, "count": 30}, {"y": -100.0, "theme:1": 0.0, "count": 20}]
    assert stats.drivers(rows, "y", ["theme:1"]) is None


def test_url_attribute_and_segment_filters_get_their_own_cached_rows(app, db, client, team, dataset):
    """On a survey with cached rows, the first report view with a URL/attribute filter
    queues a job that caches that filter's rows; later views read them plus live rows and
    show exactly the raw figures. Unused filter rows are dropped by the hourly job."""
    from sqlalchemy import func, insert, select, update

    from surveyapp.models import Contact, Response, Role
    from surveyapp.models.insights import ReportFilterRollup, ReportRollup
    from surveyapp.reports import rollup
    from surveyapp.surveys.questions import reported_questions
    from tests.conftest import login

    survey = dataset.survey
    rollup.refresh(db.session, survey, reported_questions(survey))
    db.session.commit()
    args = {"attr0": "plan", "val0": "pro", "url": "/home"}
    f = ReportFilter.from_args(args)
    login(client, team.users[Role.VIEWER].email)
    page = client.get(f"/w/{team.workspace.slug}/surveys/{survey.id}", query_string=args)
    assert page.status_code == 200 and "plan = pro" in page.get_data(as_text=True)
    key = rollup.filter_key(f)
    state = db.session.get(ReportFilterRollup, (survey.id, key))
    assert state is not None and state.refreshed_at is None  # queued, not filled yet

    assert app.extensions["celery"].tasks[rollup.FILL_FILTER_ROLLUP].apply(args=[survey.id, key]).get() > 0  # the real task
    db.session.expire_all()
    assert db.session.get(ReportFilterRollup, (survey.id, key)).refreshed_at is not None
    assert rollup._stored_state(db.session, survey, f, reported_questions(survey))[0] == key
    # After the fill, a matching response arrives (read live).
    pro = db.session.scalar(select(Contact.id).where(Contact.attributes["plan"].as_string() == "pro"))
    db.session.execute(insert(Response), [{
        "environment_id": survey.environment_id, "client_id": "late-pro", "survey_id": survey.id,
        "version_id": survey.current_version.id, "contact_id": pro, "finished": True,
        "answers": {"score": 0, "uses": ["api"]}, "created_at": dt.datetime.now(dt.UTC),
        "meta": {"device": "mobile", "url": "https://app.example/home"}}])
    db.session.commit()

    def figures(report):
        return (report.total, report.finished, report.funnel,
                [(q.id, q.n, q.figures, q.distribution) for q in report.questions],
                report.trend, report.comparison, report.breakdown)

    for extra in ({}, {"device": "mobile"}, {"from": "2026-03-10"}):
        g = ReportFilter.from_args({**args, **extra})
        cached = survey_report(db.session, survey, g, today=TODAY)
        themes_cached = survey_analysis(db.session, survey, {}, g)
        db.session.execute(update(ReportFilterRollup).values(refreshed_at=None))
        raw = survey_report(db.session, survey, g, today=TODAY)
        themes_raw = survey_analysis(db.session, survey, {}, g)
        db.session.rollback()
        assert figures(cached) == figures(raw)
        assert themes_cached[0].nps_table == themes_raw[0].nps_table
    assert survey_report(db.session, survey, f, today=TODAY).total == 1 + sum(
        1 for i, r in enumerate(dataset.rows) if i % 40 % 4 == 0 and "/home" in r["meta"]["url"])

    # A week unused: the hourly job drops the filter's rows.
    db.session.execute(update(ReportFilterRollup).values(
        used_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8)))
    db.session.commit()
    rollup.refresh_all(db.session)
    db.session.commit()
    assert db.session.get(ReportFilterRollup, (survey.id, key)) is None
    assert db.session.scalar(select(func.count()).select_from(ReportRollup).where(
        ReportRollup.filter_key == key)) == 0
