"""The theme report: what the survey page shows from the stored analysis, computed with
SQL aggregates over ``answer_annotation`` joined to the (filtered) responses.

Per open-text question: themes with share, sentiment mix, NPS by theme and scrubbed quotes;
theme x NPS group and theme x attribute tables with lift, chi-square and Benjamini-Hochberg
correction; theme trends; and a drivers regression of NPS (or CSAT) on themes and an
attribute. Only grouped counts leave the database; statistics run on those counts
(``surveyapp.reports.stats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nlp.aspects import change_first
from surveyapp.models import AnswerAnnotation, Contact, Response, Survey, TextAnalysis
from surveyapp.reports import rollup, stats
from surveyapp.reports.filters import ReportFilter
from surveyapp.reports.query import DEFAULT_K, group_expression, score_of
from surveyapp.reports.rollup import bucket_of
from surveyapp.surveys.questions import NPS, first_question, reported_questions
from surveyapp.templating import scrub

SENTIMENTS = ("negative", "neutral", "positive")
NPS_GROUPS = NPS.GROUPS


@dataclass
class ThemeRow:
    id: int
    label: str
    keywords: list[str]
    count: int
    share: float
    quotes: list[str]
    sentiment: dict[str, int]
    edited: bool
    nps: float | None = None
    nps_ci: tuple[float, float] | None = None
    nps_n: int = 0
    nps_only: str = ""  # "promoter" when every answer in the theme came from promoters


@dataclass
class QuestionAnalysis:
    question_id: str
    title: str
    answers: int
    method: str
    message: str
    themes: list[ThemeRow]
    unthemed: int
    filler: int
    non_english: int
    sentiment: dict[str, int]
    mixed: int
    by_nps: list[dict[str, Any]] = field(default_factory=list)
    nps_table: dict[str, Any] | None = None  # theme x NPS group, with tests
    attr_table: dict[str, Any] | None = None  # theme x attribute, with tests
    trend: dict[str, Any] | None = None
    drivers: dict[str, Any] | None = None
    updated_at: Any = None
    #: The one NPS group that answered the question (a follow-up asked of detractors only,
    #: through branching): NPS by theme and themes by NPS group cannot vary, so they are
    #: not shown as if they were results.
    single_nps_group: str = ""
    #: Dimensions tried for "Themes by" that had fewer than two groups to compare.
    one_group_dims: list[str] = field(default_factory=list)
    #: What people want changed first (nlp.aspects.change_first): for an improvement
    #: question the themes by how many ask, otherwise by how many complain.
    change_first: list[dict[str, Any]] = field(default_factory=list)
    question_kind: str = "open"
    #: non-English answers themed with the multilingual model, and why others were not
    non_english_placed: int = 0
    non_english_reason: str = ""


ROW_FIELDS = ("device", "version")  # what annotation rows are grouped by (not locale)
TREND_SHOWN = 5  # themes drawn in the trend chart at first; the legend adds the others
AUTO_DIMENSIONS = 5  # dimensions tried, in order, when "Themes by" is left automatic


def survey_analysis(session: Session, survey: Survey, titles: dict[str, str],
                    f: ReportFilter | None = None, *, attribute: str = "", k: int = DEFAULT_K,
                    by: str = "week", full: bool = True,
                    candidates: list[str] | None = None) -> list[QuestionAnalysis]:
    """``full=False`` skips the cross tables, trend and drivers (the API's theme list).

    Without an ``attribute``, "Themes by" takes the first of ``candidates`` (device
    first) whose answers fall into at least two groups of k or more: a table with one
    column compares nothing."""
    f = f or ReportFilter()
    analyses = session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id == survey.id)
                               .order_by(TextAnalysis.id)).all()
    if not analyses:
        return []
    is_nps = first_question(survey, NPS.type) is not None
    score_qid = rollup.score_question(survey)
    keep = ({attribute} & set(ROW_FIELDS)) if attribute else set(ROW_FIELDS)
    all_rows = rollup.load(session, survey, f, reported_questions(survey), kinds=("t",),
                           keep=keep)["t"]
    t_rows = rollup.in_period(all_rows, f.start, f.end)
    numbers = {v.id: v.number for v in survey.versions}
    conds = f.where(survey)
    out = []
    for analysis in analyses:
        qid = analysis.question_id
        rows = [r for r in t_rows if r.k1 == qid]
        result = analysis.theme_result()
        renamed = analysis.renames()
        names = analysis.theme_names(result)
        counts: dict[str, int] = {}
        theme_n: dict[int, int] = {}
        theme_sent: dict[int, dict[str, int]] = {}
        theme_grp: dict[tuple[int, str], int] = {}
        grp_sent: dict[tuple[str, str], int] = {}
        sentiment = dict.fromkeys(SENTIMENTS, 0)
        mixed = 0
        ok_rows = []
        for r in rows:
            kind, _, senti = r.k3.partition("|")
            counts[kind] = counts.get(kind, 0) + r.n
            if kind != "ok":
                continue
            ok_rows.append(r)
            mixed += r.m
            t = int(r.k2)
            theme_n[t] = theme_n.get(t, 0) + r.n
            grp = NPS.group(r.score) if is_nps else None
            if senti in sentiment:
                sentiment[senti] += r.n
                theme_sent.setdefault(t, dict.fromkeys(SENTIMENTS, 0))[senti] += r.n
                if grp:
                    grp_sent[(grp, senti)] = grp_sent.get((grp, senti), 0) + r.n
            if grp:
                theme_grp[(t, grp)] = theme_grp.get((t, grp), 0) + r.n
        total_ok = max(counts.get("ok", 0), 1)
        asked = {g for (_, g), n in theme_grp.items() if n}
        single = next(iter(asked)) if is_nps and len(asked) == 1 else ""
        themes = []
        for theme in result.themes:
            tid = theme.id
            n = theme_n.get(tid, 0)
            row_ = ThemeRow(id=tid, label=names[tid], keywords=list(theme.keywords)[:6],
                            count=n, share=n / total_ok,
                            quotes=_distinct([scrub(q) for q in theme.quotes])[:3],
                            sentiment=theme_sent.get(tid, dict.fromkeys(SENTIMENTS, 0)),
                            edited=tid in renamed or bool(theme.edited))
            if is_nps and not single:
                pro, det = theme_grp.get((tid, "promoter"), 0), theme_grp.get((tid, "detractor"), 0)
                nn = pro + det + theme_grp.get((tid, "passive"), 0)
                row_.nps_n = nn
                if nn >= k:
                    row_.nps, row_.nps_ci = round(stats.nps(pro, det, nn) or 0.0, 1), stats.nps_ci(pro, det, nn)
                    only = [g for g in NPS_GROUPS if theme_grp.get((tid, g), 0) == nn]
                    if only:  # a zero-width interval: say what it means instead
                        row_.nps_only, row_.nps_ci = only[0], None
            themes.append(row_)
        themes.sort(key=lambda r: -r.count)
        by_nps = []
        for grp in NPS_GROUPS:
            n = sum(grp_sent.get((grp, s_), 0) for s_ in SENTIMENTS)
            if n:
                by_nps.append({"group": grp, "n": n,
                               **{s_: grp_sent.get((grp, s_), 0) / n for s_ in SENTIMENTS}})
        qa = QuestionAnalysis(
            question_id=qid, title=titles.get(qid, qid),
            answers=analysis.answers, method=result.method, message=result.message,
            themes=themes, unthemed=theme_n.get(-1, 0), filler=counts.get("filler", 0),
            non_english=counts.get("non_english", 0), sentiment=sentiment, mixed=mixed,
            by_nps=by_nps, updated_at=analysis.updated_at, single_nps_group=single,
            question_kind=result.question_kind, non_english_placed=result.n_non_english_placed,
            non_english_reason=result.non_english_reason)
        kinds = {t.id: t.kind for t in result.themes}
        qa.change_first = change_first(
            [{"id": t.id, "label": t.label, "count": t.count, "kind": kinds.get(t.id, "theme"),
              "sentiment": t.sentiment} for t in themes], result.question_kind)
        if not full:
            out.append(qa)
            continue
        if is_nps and theme_grp and not single:
            totals = {g: sum(v for (t, g2), v in theme_grp.items() if g2 == g) for g in NPS_GROUPS}
            qa.nps_table = _table(theme_grp, totals, names, list(NPS_GROUPS), k)
        base = (AnswerAnnotation.survey_id == survey.id, AnswerAnnotation.question_id == qid)
        tried = [attribute] if attribute else list(dict.fromkeys(
            ["device", *(candidates or [])]))[:AUTO_DIMENSIONS]
        for field_name in tried:
            if field_name in ROW_FIELDS:
                def key(r: Any, field_name: str = field_name) -> Any:
                    return numbers.get(r.version_id) if field_name == "version" else getattr(r, field_name)

                pairs = [(int(r.k2), key(r), r.n) for r in ok_rows]
            else:
                pairs = _attribute_pairs(session, base, conds, field_name)
            table = _attribute_table(pairs, names, field_name, k)
            if table is not None and len(table["groups"]) >= 2:
                qa.attr_table = table
                break
            qa.one_group_dims.append(field_name)
        qa.trend = _theme_trend(ok_rows, names, by)
        if score_qid:
            if not attribute or attribute in ROW_FIELDS:
                data = [(r.score, int(r.k2), (numbers.get(r.version_id) if attribute == "version"
                                              else getattr(r, attribute)) if attribute else None, r.n)
                        for r in ok_rows if r.score is not None]
            else:
                data = _driver_rows(session, base, conds, score_qid, attribute)
            qa.drivers = _drivers(data, names, is_nps, attribute)
        out.append(qa)
    return out


def _table(counts: dict[tuple[int, str], int], totals: dict[str, int], names: dict[int, str],
           groups: list[str], k: int) -> dict[str, Any]:
    """Theme x group with shares, lift, chi-square and BH; cells under k are suppressed."""
    tests = stats.theme_group_tests(counts, totals, names)
    rows = []
    for t in sorted(tests, key=lambda t: -sum(t.cells.values())):
        cells = []
        for g in groups:
            n = t.cells.get(g)
            if n is None:
                continue
            hidden = n < k or 0 < totals.get(g, 0) - n < k  # a zero cell is a small cell too
            share = t.shares.get(g)
            cells.append({"group": g, "n": None if hidden else n,
                          "share": None if hidden or share is None else round(100 * share, 1),
                          "lift": None if hidden else t.lifts.get(g)})
        rows.append({"theme": t.theme, "label": t.label, "cells": cells, "chi2": t.chi2,
                     "p": t.p, "p_adjusted": t.p_adjusted, "significant": t.significant})
    shown = [g for g in groups if g in totals and totals[g] > 0]
    return {"groups": shown, "totals": {g: totals[g] for g in shown}, "rows": rows, "k": k}


def _attribute_pairs(session: Session, base: tuple[Any, ...], conds: list[Any],
                     field_name: str) -> list[tuple[int, Any, int]]:
    """(theme, group, answers) for groups that need the raw responses (contact attributes,
    segments)."""
    expr, needs_contact = group_expression(field_name)
    g = expr.label("grp")
    query = (select(AnswerAnnotation.theme, g, func.count())
             .join(Response, Response.id == AnswerAnnotation.response_id))
    if needs_contact:
        query = query.outerjoin(Contact, Contact.id == Response.contact_id)
    return [(-1 if t is None else int(t), grp, int(n)) for t, grp, n in session.execute(
        query.where(*base, *conds, AnswerAnnotation.kind == "ok").group_by(AnswerAnnotation.theme, g))]


def _attribute_table(pairs: list[tuple[int, Any, int]], names: dict[int, str], field_name: str,
                     k: int) -> dict[str, Any] | None:
    if not pairs:
        return None
    counts: dict[tuple[int, str], int] = {}
    totals: dict[str, int] = {}
    for t, grp, n in pairs:
        key = "(not set)" if grp is None else str(grp)
        totals[key] = totals.get(key, 0) + n
        if t in names:
            counts[(t, key)] = counts.get((t, key), 0) + n
    # Groups with fewer than k answers are left out entirely (and said so).
    small = sorted(g for g, n in totals.items() if n < k)
    kept = {g: n for g, n in totals.items() if n >= k}
    groups = sorted(kept, key=lambda g: -kept[g])[:8]
    kept = {g: kept[g] for g in groups}
    table = _table({key: v for key, v in counts.items() if key[1] in kept}, kept, names, groups, k)
    table.update(by=field_name, suppressed_groups=len(small))
    return table


def _theme_trend(rows: list[Any], names: dict[int, str], by: str) -> dict[str, Any]:
    totals: dict[str, int] = {}
    cells: dict[tuple[str, int], int] = {}
    for r in rows:
        key = bucket_of(r.day, by)
        totals[key] = totals.get(key, 0) + r.n
        cells[(key, int(r.k2))] = cells.get((key, int(r.k2)), 0) + r.n
    buckets = sorted(totals)
    size = {tid: sum(n for (_, t), n in cells.items() if t == tid) for tid in names}
    order = sorted(names, key=lambda tid: -size[tid])
    # Fifteen lines in one chart read as noise: the largest few are drawn, the rest wait
    # in the legend (a click adds one); the table twin has every theme.
    series = [{"label": names[tid], "hidden": i >= TREND_SHOWN,
               "data": [round(100 * cells.get((bk, tid), 0) / totals[bk], 1)
                        if totals[bk] else None for bk in buckets]}
              for i, tid in enumerate(order)]
    return {"by": by, "buckets": buckets, "totals": [totals[bk] for bk in buckets],
            "series": series}


def _driver_rows(session: Session, base: tuple[Any, ...], conds: list[Any], score_qid: str,
                 attribute: str) -> list[tuple[int, int, Any, int]]:
    """(score, theme, attribute value, answers) for attributes that need the raw responses."""
    s = score_of(score_qid)
    attr_expr, needs_contact = group_expression(attribute)
    cols = [s, AnswerAnnotation.theme, attr_expr.label("attr")]
    query = select(*cols, func.count()).join(Response, Response.id == AnswerAnnotation.response_id)
    if needs_contact:
        query = query.outerjoin(Contact, Contact.id == Response.contact_id)
    return [(int(sc), -1 if t is None else int(t), a, int(n)) for sc, t, a, n in session.execute(
        query.where(*base, *conds, AnswerAnnotation.kind == "ok", s.is_not(None)).group_by(*cols))]


def _drivers(data: list[tuple[int, int, Any, int]], names: dict[int, str], is_nps: bool,
             attribute: str) -> dict[str, Any] | None:
    """Regression of each answer's NPS contribution (+100/0/-100) or CSAT score on its theme
    (one indicator per theme; baseline = unthemed answers, or the largest theme when every
    answer has one) and the chosen attribute (baseline = its most common value)."""
    if not data:
        return None
    merged: dict[tuple[int, int, Any], int] = {}  # the same (score, theme, attribute) once
    for score, t, a, n in data:
        merged[(score, t, a)] = merged.get((score, t, a), 0) + n
    data = [(score, t, a, n) for (score, t, a), n in merged.items()]
    theme_sizes: dict[int, int] = {}
    attr_sizes: dict[str, int] = {}
    for _, t, a, n in data:
        theme_sizes[t] = theme_sizes.get(t, 0) + n
        if attribute:
            key = "(not set)" if a is None else str(a)
            attr_sizes[key] = attr_sizes.get(key, 0) + n
    theme_ids = [t for t in names if t in theme_sizes]
    if -1 in theme_sizes:
        baseline = "unthemed answers"
    else:
        biggest = max(theme_ids, key=lambda t: theme_sizes[t])
        theme_ids.remove(biggest)
        baseline = f"“{names[biggest]}”"
    attr_levels = sorted(attr_sizes, key=lambda a: -attr_sizes[a])
    attr_base = attr_levels[0] if attr_levels else None
    shown = attribute[5:] if attribute.startswith("attr:") else attribute
    features = [f"theme:{t}" for t in theme_ids] + [f"{shown} = {a}" for a in attr_levels[1:8]]
    rows = []
    for score, t, a, n in data:
        y = NPS.points(score) if is_nps else score
        if y is None:
            continue  # off the 0-10 scale
        item: dict[str, Any] = {"y": float(y), "count": n}
        for tid in theme_ids:
            item[f"theme:{tid}"] = 1.0 if t == tid else 0.0
        if attribute:
            key = "(not set)" if a is None else str(a)
            for level in attr_levels[1:8]:
                item[f"{shown} = {level}"] = 1.0 if key == level else 0.0
        rows.append(item)
    fit = stats.drivers(rows, "y", features)
    if fit is None:
        return None
    for d in fit["drivers"]:
        if d.name.startswith("theme:"):
            d.name = names[int(d.name[6:])]
    fit.update(outcome="NPS points" if is_nps else "CSAT points", baseline=baseline,
               attribute=shown, attribute_baseline=attr_base)
    return fit


def _distinct(quotes: list[str]) -> list[str]:
    """Quotes that differ only in case, punctuation or a trailing word count once, and so
    does a quote inside another ("Setup took less than ten minutes" beside "Setup took
    less than ten minutes, honestly"; "you have to jump to enterprise just to get sso"
    beside the longer answer that says it too): the first one stays."""
    kept: list[str] = []
    out = []
    for q in quotes:
        key = "".join(ch for ch in q.lower() if ch.isalnum())
        if not key or any(key[:60] == k[:60] or (min(len(key), len(k)) >= 12 and (key in k or k in key))
                          for k in kept):
            continue
        kept.append(key)
        out.append(q)
    return out
