"""What distinguishes a segment, and what its members said.

* Distinguishing features: standardized mean difference (Cohen's d with the pooled
  standard deviation) of each feature inside vs outside the segment; skewed counts are
  compared on the log1p scale (as clustered), shown in raw units.
* NPS (95% CI from the promoter-minus-detractor variance) and CSAT (share of 4-5, Wilson
  95% CI) of the members' finished answers.
* Sentiment mix and top themes from the NLP annotations, with PII-scrubbed quotes.

Groups smaller than ``MIN_GROUP`` are suppressed (k-anonymity), for the segment as a
whole and for each score.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.models import AnswerAnnotation, Response, Survey, TextAnalysis
from surveyapp.models.segments import Segment, SegmentMember
from surveyapp.reports import stats
from surveyapp.reports.summary import nps_interval
from surveyapp.segments.features import LOG_FEATURES
from surveyapp.surveys.questions import CSAT, NPS, question_type

MIN_GROUP = 5
MIN_EFFECT = 0.2
SENTIMENTS = ("negative", "neutral", "positive")


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (round(100 * max(0.0, centre - half), 1), round(100 * min(1.0, centre + half), 1))


def feature_label(name: str) -> str:
    labels = {"active_days": "Active days", "sessions_per_week": "Sessions per week",
              "events": "Events", "session_depth": "Events per session",
              "recency_days": "Days since last seen", "tenure_days": "Days since first seen",
              "orders": "Orders", "revenue": "Revenue", "order_recency_days": "Days since last order",
              "order_span_days": "Days from first to last order",
              "active_span_days": "Days from first to last event"}
    if name in labels:
        return labels[name]
    if name.startswith("share:"):
        return f"Share of “{name[6:]}” events"
    if name.startswith("attr:"):
        key, _, value = name[5:].partition("=")
        return f"{key} = {value}" if value else key
    return name


def effects(frame: Any, mask: Any, columns: list[str], top: int = 6) -> list[dict[str, Any]]:
    """Features ordered by |Cohen's d| (inside vs outside), at least MIN_EFFECT."""
    import numpy as np

    out = []
    for col in columns:
        raw = frame[col].to_numpy(dtype=float)
        values = np.log1p(np.clip(raw, 0, None)) if col in LOG_FEATURES else raw
        a, b = values[mask], values[~mask]
        if len(a) < 2 or len(b) < 2:
            continue
        pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1))
                           / (len(a) + len(b) - 2))
        if pooled == 0:
            continue
        d = (a.mean() - b.mean()) / pooled
        if abs(d) >= MIN_EFFECT:
            out.append({"feature": col, "label": feature_label(col), "d": round(float(d), 2),
                        "inside": round(float(raw[mask].mean()), 3),
                        "outside": round(float(raw[~mask].mean()), 3)})
    out.sort(key=lambda e: -abs(e["d"]))
    return out[:top]


def _score_questions(session: Session, survey_ids: set[int]) -> dict[int, dict[str, str]]:
    """survey id -> {question id: nps|csat}."""
    out: dict[int, dict[str, str]] = {}
    for survey in session.scalars(select(Survey).where(Survey.id.in_(survey_ids))):
        qs: dict[str, str] = {}
        for version in survey.versions:
            for q in version.questions:
                if question_type(q) in (NPS, CSAT):
                    qs[q["id"]] = q["type"]
        out[survey.id] = qs
    return out


def _theme_labels(session: Session, survey_ids: set[int]) -> dict[tuple[int, str, int], str]:
    out = {}
    for analysis in session.scalars(select(TextAnalysis).where(TextAnalysis.survey_id.in_(survey_ids))):
        try:
            names = analysis.theme_names()
        except (ValueError, KeyError, TypeError):
            continue
        for tid, name in names.items():
            out[(analysis.survey_id, analysis.question_id, tid)] = name
    return out


def survey_evidence(session: Session, segments: list[Segment]) -> dict[int, dict[str, Any]]:
    """Scores, sentiment, themes and quotes per segment id, from the members' responses."""
    from nlp.text import scrub_pii

    ids = [s.id for s in segments]
    out: dict[int, dict[str, Any]] = {sid: {} for sid in ids}
    if not ids:
        return out
    rows = session.execute(
        select(SegmentMember.segment_id, Response.survey_id, Response.answers)
        .join(Response, Response.contact_id == SegmentMember.contact_id)
        .where(SegmentMember.segment_id.in_(ids), Response.finished.is_(True))).all()
    scores = _score_questions(session, {r[1] for r in rows})
    tallies: dict[int, dict[str, list[int]]] = defaultdict(lambda: {"nps": [], "csat": []})
    for sid, survey_id, answers in rows:
        for qid, qtype in scores.get(survey_id, {}).items():
            value = (answers or {}).get(qid)
            if isinstance(value, int | float) and not isinstance(value, bool):
                tallies[sid][qtype].append(int(value))
    for sid in ids:
        nps = tallies[sid]["nps"]
        if len(nps) >= MIN_GROUP:
            groups = NPS.tally((v, 1) for v in nps)
            promoters, detractors = groups["promoter"], groups["detractor"]
            score = stats.nps(promoters, detractors, len(nps)) or 0.0
            out[sid]["nps"] = {"n": len(nps), "score": round(score, 1),
                               "ci": list(nps_interval(promoters, detractors, len(nps)))}
        elif nps:
            out[sid]["nps"] = {"n": len(nps), "suppressed": True}
        csat = tallies[sid]["csat"]
        if len(csat) >= MIN_GROUP:
            good = sum(v >= CSAT.good_min for v in csat)
            out[sid]["csat"] = {"n": len(csat), "satisfied": round(100 * good / len(csat), 1),
                                "ci": list(wilson(good, len(csat)))}
        elif csat:
            out[sid]["csat"] = {"n": len(csat), "suppressed": True}

    notes = session.execute(
        select(SegmentMember.segment_id, AnswerAnnotation.survey_id, AnswerAnnotation.question_id,
               AnswerAnnotation.theme, AnswerAnnotation.sentiment, Response.answers)
        .join(Response, Response.contact_id == SegmentMember.contact_id)
        .join(AnswerAnnotation, AnswerAnnotation.response_id == Response.id)
        .where(SegmentMember.segment_id.in_(ids), AnswerAnnotation.kind == "ok")).all()
    labels = _theme_labels(session, {n[1] for n in notes})
    overall = Counter((s, q, t) for _, s, q, t, _, _ in notes if t is not None and t >= 0)
    total = max(sum(overall.values()), 1)
    by_seg: dict[int, list[Any]] = defaultdict(list)
    for note in notes:
        by_seg[note[0]].append(note)
    for sid in ids:
        mine = by_seg.get(sid, [])
        if len(mine) < MIN_GROUP:
            if mine:
                out[sid]["themes_suppressed"] = len(mine)
            continue
        sentiment = Counter(n[4] for n in mine if n[4])
        if sum(sentiment.values()) >= MIN_GROUP:
            out[sid]["sentiment"] = {s: sentiment.get(s, 0) for s in SENTIMENTS}
            out[sid]["negative_ci"] = list(wilson(sentiment.get("negative", 0),
                                                  sum(sentiment.values())))
        themes = Counter((s, q, t) for _, s, q, t, _, _ in mine if t is not None and t >= 0)
        n_mine = max(sum(themes.values()), 1)
        top = []
        for key, count in themes.most_common(4):
            if count < MIN_GROUP or key not in labels:
                continue
            sent = Counter(n[4] for n in mine if (n[1], n[2], n[3]) == key and n[4])
            quotes = []
            seen = set()
            for n in mine:
                if (n[1], n[2], n[3]) != key:
                    continue
                text = (n[5] or {}).get(key[1])
                if isinstance(text, str) and 20 <= len(text) <= 300:
                    clean = scrub_pii(text)
                    if clean.lower() not in seen:
                        seen.add(clean.lower())
                        quotes.append({"text": clean, "sentiment": n[4]})
                if len(quotes) >= 2:
                    break
            share = count / n_mine
            top.append({"label": labels[key], "count": count, "share": round(share, 3),
                        "lift": round(share / (overall[key] / total), 2),
                        "negative": sent.get("negative", 0), "positive": sent.get("positive", 0),
                        "quotes": quotes})
        out[sid]["themes"] = top
    return out
