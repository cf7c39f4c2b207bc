"""Segment runs: compute (features + every method), save one method as segments with
profiles and draft personas, match them to the previous saved run (Jaccard overlap) so
persona work carries over, and report the drift. Functions take a session and never
commit; the view, job or CLI owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, true
from sqlalchemy.orm import Session

from surveyapp.models import Environment, Event, Job, JobStatus, User, Workspace, utcnow
from surveyapp.models.segments import (
    DataImport,
    Order,
    Persona,
    PersonaVersion,
    Segment,
    SegmentMember,
    SegmentRun,
)
from surveyapp.segments import features as feats
from surveyapp.segments import methods as meth
from surveyapp.segments.imports import ImportFailed, file_format, sniff, write_upload
from surveyapp.segments.profiles import MIN_GROUP, effects, survey_evidence
from surveyapp.templating import plural

MIN_CONTACTS = 20
MIN_JACCARD = 0.2  # below this, an old and a new segment are not "the same"
FRICTION = ("error", "help", "abandon", "fail", "cancel", "churn")
GENERIC = ("page_view", "login", "session_start")
PERSONA_FIELDS = ("name", "summary", "motivations", "pain_points", "goals", "notes")
Progress = Callable[[float, str], None]


class SegmentError(Exception):
    """Something the analyst can fix (too few contacts, unknown method...)."""


# ----------------------------------------------------------------------------- compute
def compute(session: Session, run: SegmentRun, progress: Progress | None = None,
            ks: range | None = None, only: tuple[str, ...] = tuple(meth.METHODS)
            ) -> feats.FeatureSet:
    """Fill ``run.result`` with features, transforms and every method's clusters; returns
    the features (``save`` in the same process can reuse them)."""
    report = progress or (lambda f, m="": None)
    report(0.02, "Computing features in the database")
    fs = feats.extract(session, run.environment_id, run.window_end, run.window_days)
    n = len(fs.frame)
    if n < MIN_CONTACTS:
        raise SegmentError(empty_window_reason(session, run, n))
    wanted = fs.behaviour + (fs.attributes if run.include_attributes else [])
    # A feature with one value for everyone (amounts all 0, one plan) separates nobody.
    constant = [c for c in wanted if fs.frame[c].nunique() <= 1]
    columns = [c for c in wanted if c not in constant]
    if not columns:
        raise SegmentError(f"Every feature has the same value for all {n:,} contacts "
                           f"({', '.join(constant)}); there is nothing to segment on.")
    x, recipe = feats.transform(fs.frame, columns)
    ks = ks or range(2, max(3, min(8, n // 15)) + 1)
    report(0.15, f"Features ready for {n:,} contacts; comparing methods")
    results, svg = meth.compare(
        x, fs.usage.to_numpy(), ks, seed=meth.SEED, only=only,
        progress=lambda f, m: report(0.15 + 0.8 * f, m))
    usable = {k: r for k, r in results.items() if r.ok}
    if not usable:
        raise SegmentError("No method could group these contacts: " + "; ".join(
            f"{r.title} {r.status} ({r.reason})" for r in results.values()))
    run.result = {
        "contact_ids": [int(c) for c in fs.frame.index],
        "features": columns, "constant": constant, "attributes": fs.attributes,
        "transforms": recipe, "k_range": [ks.start, ks.stop - 1], "seed": meth.SEED,
        "methods": {key: {"title": r.title, "metrics": r.metrics, "params": r.params,
                          "candidates": r.candidates, "status": r.status, "reason": r.reason,
                          "labels": [int(v) for v in r.labels] if r.ok else []}
                    for key, r in results.items()},
        "recommended": recommend(usable),
    }
    run.dendrogram_svg = svg
    run.contacts = n
    run.status = "ready"
    left_out = [r for r in results.values() if not r.ok]
    run.message = f"{n:,} contacts, {len(usable)} methods compared" + (
        "; " + "; ".join(f"{r.title} {r.status}" for r in left_out) if left_out else "")
    return fs


def recommend(results: dict[str, meth.MethodResult]) -> str:
    """Separation and stability weighed together: the best separation gap (the
    silhouette above what the method finds on a structureless reference, see
    ``methods.null_separation``) x stability x share of contacts clustered (noise counts
    against a method), among the methods with two or more clusters, at most 30% noise
    and a stability of at least STABLE; if none is that stable, the best product among
    the rest. A split the shuffled data would give as well, or that refits on a
    subsample do not reproduce, is not a segmentation to act on."""
    def parts(r: meth.MethodResult) -> tuple[bool, float]:
        m = r.metrics
        noise = m.get("noise_share", 0) or 0
        stab = max(m.get("stability_ari") or 0.0, 0.0)
        usable = (m.get("clusters", 0) or 0) >= 2 and noise <= 0.3
        gap = m.get("separation_gap")
        separation = gap if gap is not None else (m.get("silhouette") or 0.0)
        return (usable and stab >= meth.STABLE,
                max(separation, 0.0) * stab * (1 - noise) if usable else -1.0)
    return max(results.values(), key=parts).key


def active_run(session: Session, environment_id: int) -> SegmentRun | None:
    return session.scalar(select(SegmentRun).where(
        SegmentRun.environment_id == environment_id, SegmentRun.status == "saved")
        .order_by(SegmentRun.saved_at.desc()).limit(1))


def segment_keys(session: Session, contact_id: int) -> list[str]:
    """Keys of the saved (current) segments this contact belongs to; noise excluded."""
    return sorted(session.scalars(
        select(Segment.key).join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .join(SegmentRun, SegmentRun.id == Segment.run_id)
        .where(SegmentMember.contact_id == contact_id, SegmentRun.status == "saved",
               Segment.label >= 0)))


# ----------------------------------------------------------------------------- save
def save(session: Session, run: SegmentRun, method: str, by: User | None = None,
         progress: Progress | None = None, features: feats.FeatureSet | None = None
         ) -> list[Segment]:
    """Save ``method``'s clusters as the environment's current segments."""
    import numpy as np

    report = progress or (lambda f, m="": None)
    if run.status != "ready":
        raise SegmentError("Only a computed, unsaved run can be saved.")
    chosen = (run.result.get("methods") or {}).get(method)
    if chosen is None:
        raise SegmentError(f"Unknown method {method!r}.")
    if chosen.get("status", "ok") != "ok":
        raise SegmentError(f"{chosen['title']} {chosen['status']} on this run "
                           f"({chosen.get('reason', '')}); save another method.")
    contact_ids = np.array(run.result["contact_ids"])
    labels = np.array(chosen["labels"])
    previous = active_run(session, run.environment_id)

    report(0.1, "Profiling segments")
    fs = features or feats.extract(session, run.environment_id, run.window_end, run.window_days)
    frame = fs.frame.reindex(contact_ids).fillna(0)
    columns = [c for c in fs.behaviour + fs.attributes if c in frame.columns]
    groups = sorted(set(labels.tolist()), key=lambda v: (v < 0, v))
    segments = []
    for position, label in enumerate(groups):
        mask = labels == label
        profile = {"share": round(float(mask.mean()), 4),
                   "effects": effects(frame, mask, columns) if label >= 0 else [],
                   "means": {c: round(float(frame.loc[mask, c].mean()), 3)
                             for c in fs.behaviour if c in frame.columns}}
        if mask.sum() < MIN_GROUP:
            profile = {"suppressed": True, "share": profile["share"]}
        seg = Segment(workspace_id=run.workspace_id, run=run, key=f"tmp-{position}",
                      name=suggest_name(profile, label), position=position, label=int(label),
                      size=int(mask.sum()), profile=profile)
        session.add(seg)
        segments.append(seg)
    session.flush()
    members = [{"segment_id": seg.id, "contact_id": int(cid)}
               for seg in segments for cid in contact_ids[labels == seg.label]]
    for i in range(0, len(members), 5000):
        session.execute(insert(SegmentMember), members[i:i + 5000])

    report(0.5, "Reading what members said")
    evidence = survey_evidence(session, segments)
    for seg in segments:
        if not seg.profile.get("suppressed"):
            seg.profile = {**seg.profile, **evidence.get(seg.id, {})}
            seg.name = suggest_name(seg.profile, seg.label)
    unique_names(segments)

    report(0.7, "Matching with the previous segments")
    matches = match(session, previous, segments) if previous else {}
    _assign_keys(session, run, segments, matches)
    run.drift = drift_report(session, previous, segments, matches) if previous else {}
    _carry_personas(session, run, segments, matches, by)
    if previous is not None:
        previous.status = "superseded"
        run.previous_run_id = previous.id
    run.status = "saved"
    run.method = method
    run.saved_at = utcnow()
    run.message = f"Saved {plural(sum(s.label >= 0 for s in segments), 'segment')} from {chosen['title']}"
    report(1.0, run.message)
    return segments


def _members(session: Session, segment_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {sid: set() for sid in segment_ids}
    for sid, cid in session.execute(select(SegmentMember.segment_id, SegmentMember.contact_id)
                                    .where(SegmentMember.segment_id.in_(segment_ids))):
        out[sid].add(cid)
    return out


def match(session: Session, previous: SegmentRun, segments: list[Segment]
          ) -> dict[int, tuple[Segment, float]]:
    """new segment id -> (old segment, Jaccard), a one-to-one assignment maximising the
    total overlap (Hungarian method); pairs below MIN_JACCARD are not matched."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    old = [s for s in previous.segments if s.label >= 0]
    new = [s for s in segments if s.label >= 0]
    if not old or not new:
        return {}
    sets = _members(session, [s.id for s in old + new])
    jac = np.zeros((len(new), len(old)))
    for i, a in enumerate(new):
        for j, b in enumerate(old):
            union = len(sets[a.id] | sets[b.id])
            jac[i, j] = len(sets[a.id] & sets[b.id]) / union if union else 0.0
    rows, cols = linear_sum_assignment(-jac)
    return {new[i].id: (old[j], float(jac[i, j])) for i, j in zip(rows, cols, strict=True)
            if jac[i, j] >= MIN_JACCARD}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "segment"


def _short_name(seg: Segment) -> str:
    """What a key is made from: the level and the strongest trait ("new-help-opened"),
    shorter than the readable name the key would otherwise copy."""
    p = seg.profile or {}
    if p.get("suppressed"):
        return seg.name
    traits = _traits(p)
    return f"{_level(p)} {traits[0]}" if traits else seg.name


def _assign_keys(session: Session, run: SegmentRun, segments: list[Segment],
                 matches: dict[int, tuple[Segment, float]]) -> None:
    """Matched segments inherit the old key (so survey targeting keeps working); new
    ones get a key never used in this workspace."""
    used = set(session.scalars(select(Segment.key).where(
        Segment.workspace_id == run.workspace_id, Segment.run_id != run.id)))
    taken: set[str] = set()
    for seg in segments:
        if seg.id in matches:
            old, jaccard = matches[seg.id]
            seg.key, seg.matched_from_id, seg.jaccard = old.key, old.id, round(jaccard, 4)
            taken.add(seg.key)
    for seg in segments:
        if seg.id in matches:
            continue
        base = "unclustered" if seg.label < 0 else _slug(_short_name(seg))
        key, n = base, 2
        while key in used or key in taken:
            key, n = f"{base}-{n}", n + 1
        seg.key = key
        taken.add(key)


def drift_report(session: Session, previous: SegmentRun, segments: list[Segment],
                 matches: dict[int, tuple[Segment, float]]) -> dict[str, Any]:
    """How contacts moved between the previous and the new segments."""
    old = list(previous.segments)
    sets = _members(session, [s.id for s in old + segments])
    flows = []
    for a in old:
        for b in segments:
            n = len(sets[a.id] & sets[b.id])
            if n:
                flows.append({"from": a.key, "to": b.key, "n": n if n >= MIN_GROUP else None})
    matched_old = {o.id for o, _ in matches.values()}
    before = set().union(*(sets[s.id] for s in old)) if old else set()
    after = set().union(*(sets[s.id] for s in segments)) if segments else set()
    return {
        "previous_run": previous.id,
        "matched": [{"key": seg.key, "from_size": matches[seg.id][0].size, "to_size": seg.size,
                     "jaccard": round(matches[seg.id][1], 3)}
                    for seg in segments if seg.id in matches],
        "new": [{"key": s.key, "size": s.size} for s in segments
                if s.id not in matches and s.label >= 0],
        "vanished": [{"key": s.key, "size": s.size} for s in old
                     if s.id not in matched_old and s.label >= 0],
        "flows": flows, "joined": len(after - before), "left": len(before - after),
        "stayed_share": round(sum(matches[s.id][1] * s.size for s in segments if s.id in matches)
                              / max(sum(s.size for s in segments), 1), 3),
    }


# ----------------------------------------------------------------------------- personas
def _level(profile: dict[str, Any]) -> str:
    """How a segment's activity compares with everyone's: new, lapsing, highly active,
    occasional or regular (from the standardised differences of its profile)."""
    by = {e["feature"]: e["d"] for e in profile.get("effects") or []}
    activity = by.get("sessions_per_week", by.get("active_days", by.get("orders", 0.0)))
    if by.get("recency_days", by.get("order_recency_days", 0)) > 0.8:
        return "Lapsing"
    if by.get("tenure_days", 0) < -0.8:
        return "New"
    if activity > 0.5:
        return "Highly active"
    if activity < -0.5:
        return "Occasional"
    return "Regular"


def _traits(profile: dict[str, Any]) -> list[str]:
    """What the segment does more than everyone else, strongest first, in words: its
    distinctive events ("help opened"), then contact attributes ("plan = pro")."""
    eff = profile.get("effects") or []
    usage = [e["feature"][6:].replace("_", " ") for e in eff
             if e["feature"].startswith("share:") and e["d"] > 0 and e["feature"][6:] not in GENERIC]
    return usage + [e["label"] for e in eff if e["feature"].startswith("attr:") and e["d"] > 0]


def suggest_name(profile: dict[str, Any], label: int, extra: int = 0) -> str:
    """A starting name from the strongest behavioural differences (researchers rename):
    "New users, above average on help opened". ``extra`` adds further traits, to tell
    apart two segments that would otherwise get the same name (see ``unique_names``)."""
    if label < 0:
        return "Unclustered (noise)"
    if profile.get("suppressed"):
        return f"Segment {label + 1}"
    level = _level(profile)
    traits = _traits(profile)
    if traits:
        shown = traits[:1 + extra]
        return f"{level} users, above average on {' and '.join(shown)}"
    means = profile.get("means") or {}
    if "orders" in means and "events" not in means:  # segmented on orders alone
        return f"{level} {'one-time buyers' if means['orders'] <= 1 else 'buyers'}"
    return f"{level} users"


def unique_names(segments: list[Segment]) -> None:
    """No two segments of a run share a name ("New - help opened" twice told people
    nothing): a name used twice takes the next distinguishing trait of each segment, and
    if that is not enough, the segment's size."""
    for extra in (1, 2):
        counts: dict[str, int] = {}
        for seg in segments:
            counts[seg.name] = counts.get(seg.name, 0) + 1
        for seg in segments:
            if counts[seg.name] > 1 and seg.label >= 0:
                seg.name = suggest_name(seg.profile, seg.label, extra)
    counts = {}
    for seg in segments:
        counts[seg.name] = counts.get(seg.name, 0) + 1
    for seg in segments:
        if counts[seg.name] > 1:
            seg.name = f"{seg.name} ({seg.size:,} people)"
    seen: dict[str, int] = {}
    for seg in segments:  # same name and size: number them
        seen[seg.name] = seen.get(seg.name, 0) + 1
        if seen[seg.name] > 1:
            seg.name = f"{seg.name} #{seen[seg.name]}"


#: First names for draft personas: a persona reads as a person, not as its segment's
#: label; one per segment position, so a run's personas never share a first name.
PERSONA_FIRST_NAMES = ("Maya", "Leo", "Priya", "Sam", "Ines", "Tomás", "Aisha", "Jonas",
                       "Mei", "Omar", "Freya", "Kofi")
ROLES = {"New": "the newcomer", "Lapsing": "the drifting customer",
         "Highly active": "the power user", "Occasional": "the occasional visitor",
         "Regular": "the steady regular"}


def persona_name(seg: Segment) -> str:
    """A person-like name that says who the persona is ("Maya, the newcomer who leans on
    help opened"), distinct from the segment's name."""
    first = PERSONA_FIRST_NAMES[seg.position % len(PERSONA_FIRST_NAMES)]
    if seg.position >= len(PERSONA_FIRST_NAMES):
        first += f" {seg.position // len(PERSONA_FIRST_NAMES) + 1}"
    p = seg.profile or {}
    role = ROLES[_level(p)] if not p.get("suppressed") else "from a small segment"
    traits = _traits(p)
    return f"{first}, {role}" + (f" who leans on {traits[0]}" if traits else "")


def draft_persona(seg: Segment, research: tuple[list[str], list[str]] = ([], [])
                  ) -> dict[str, str]:
    """Draft text from the evidence: behaviour as summary; from the members' analysed
    answers, positive themes as motivations and negative ones (with a quote) as pain
    points, positive quotes as goals; friction events as pain points and distinctive
    usage as goals; from the research linked to the persona (``research``: pain points,
    goals, see ``research_points``) their quotes and insights."""
    p = seg.profile
    eff = p.get("effects") or []
    more = [e["label"] for e in eff if e["d"] > 0][:3]
    less = [e["label"] for e in eff if e["d"] < 0][:3]
    summary = f"{seg.size:,} contacts ({100 * p.get('share', 0):.0f}% of the active base)."
    if more:
        summary += " Well above everyone else on: " + ", ".join(more) + "."
    if less:
        summary += " Below everyone else on: " + ", ".join(less) + "."
    if p.get("nps") and not p["nps"].get("suppressed"):
        summary += f" NPS {p['nps']['score']:+.0f} (n={p['nps']['n']})."
    themes = p.get("themes") or []
    motivations = [f"{t['label']} ({t['positive']} positive mentions)" for t in themes
                   if t["positive"] > t["negative"]]
    pains = [_with_quote(f"{t['label']} ({t['negative']} negative mentions)", t, "negative")
             for t in themes if t["negative"] >= t["positive"] and t["negative"]]
    usage = [e["feature"][6:] for e in eff if e["feature"].startswith("share:") and e["d"] > 0]
    friction = [u for u in usage if any(w in u for w in FRICTION)]
    pains += [f"Runs into “{u.replace('_', ' ')}” more than others" for u in friction]
    goals = [f"Gets value from “{u.replace('_', ' ')}”" for u in usage
             if u not in friction and u not in GENERIC][:3]
    goals += [f"{t['label']}: “{q['text']}”" for t in themes if t["positive"] > t["negative"]
              for q in t.get("quotes", [])[:1] if q.get("sentiment") == "positive"]
    pains += research[0]
    goals += research[1]
    return {"name": persona_name(seg)[:120], "summary": summary,
            "motivations": "\n".join(motivations), "pain_points": "\n".join(pains),
            "goals": "\n".join(goals), "notes": ""}


def _with_quote(text: str, theme: dict[str, Any], sentiment: str) -> str:
    quote = next((q["text"] for q in theme.get("quotes", []) if q.get("sentiment") == sentiment),
                 None)
    return f"{text}: “{quote}”" if quote else text


PAIN_WORDS = ("pain", "frustrat", "problem", "issue", "blocker", "friction", "complain", "bug",
              "confus")
GOAL_WORDS = ("goal", "need", "want", "wish", "job", "motivat", "desire")


def research_points(session: Session, persona: Persona) -> tuple[list[str], list[str]]:
    """(pain points, goals) from the interview highlights and insights linked to the
    persona (Research › synthesis board › Link as evidence). A highlight is a pain point
    when a tag says so (pain, frustration, problem, ...) or its passage reads negative, a
    goal when a tag says so (goal, need, want, ...); an insight is a pain point when most
    of its highlights read negative, else a goal."""
    from surveyapp.models.research import Highlight, Passage
    from surveyapp.research.service import persona_evidence

    pains: list[str] = []
    goals: list[str] = []
    evidence = persona_evidence(session, persona.id)
    insight_ids = [ev.insight_id for ev in evidence if ev.insight_id]
    passage_ids = [ev.highlight.passage_id for ev in evidence
                   if ev.highlight is not None and ev.highlight.passage_id]
    under = list(session.execute(
        select(Highlight.insight_id, Passage.sentiment)
        .join(Passage, Passage.id == Highlight.passage_id)
        .where(Highlight.insight_id.in_(insight_ids)))) if insight_ids else []
    sentiment = dict(session.execute(select(Passage.id, Passage.sentiment)
                                     .where(Passage.id.in_(passage_ids))).all()
                     ) if passage_ids else {}
    for ev in evidence:
        if ev.highlight is not None:
            h = ev.highlight
            tags = " ".join(t.name.lower() for t in h.tags)
            line = f"“{h.quote}” ({h.speaker or 'notes'}, {h.source_title})"
            if any(w in tags for w in PAIN_WORDS) or (
                    sentiment.get(h.passage_id or 0) == "negative"
                    and not any(w in tags for w in GOAL_WORDS)):
                pains.append(line)
            elif any(w in tags for w in GOAL_WORDS):
                goals.append(line)
        elif ev.insight is not None:
            moods = [m for i, m in under if i == ev.insight_id and m]
            line = ev.insight.title + (f": {ev.insight.body}" if ev.insight.body else "")
            negative = moods and sum(m == "negative" for m in moods) > len(moods) / 2
            (pains if negative else goals).append(f"Insight: {line}")
    return pains, goals


def persona_gaps(session: Session, persona: Persona) -> dict[str, str]:
    """Why a persona's goals or pain points are empty: which evidence was looked at and
    what was missing, so an empty field reads as "nothing found", not as "no pains"."""
    from surveyapp.research.service import persona_evidence

    seg = persona.segment
    p = seg.profile if seg is not None else {}
    linked = len(persona_evidence(session, persona.id))
    if seg is None:
        answers = "its segment has no match in the latest run"
    elif p.get("themes"):
        answers = "no theme of its members' analysed answers reads that way"
    elif p.get("themes_suppressed"):
        answers = (f"only {p['themes_suppressed']} of its members' answers are analysed "
                   f"(fewer than {MIN_GROUP} are hidden)")
    else:
        answers = ("none of its members' open-text answers is analysed (run “Analyse "
                   "open-text answers” on a survey's page)")
    research = ("no interview highlight or insight is linked to this persona (Research › a "
                "study's synthesis board › Link as evidence)" if not linked else
                f"none of the {linked} linked research items reads that way (tag a highlight "
                f"pain point or goal)")
    out = {}
    if not persona.pain_points.strip():
        out["pain_points"] = (f"No pain points found: {answers}; no friction event (errors, "
                              f"help, cancellations) stands out; {research}.")
    if not persona.goals.strip():
        out["goals"] = (f"No goals found: {answers}; no distinctive feature usage stands out; "
                        f"{research}.")
    return out


def fill_from_evidence(session: Session, persona: Persona, by: User | None) -> list[str]:
    """Add to the persona's goals and pain points the evidence lines it does not have yet
    (its segment's answers and behaviour, the research linked to it); a new version when
    something was added. Returns the lines added."""
    if persona.segment is None:
        return []
    draft = draft_persona(persona.segment, research_points(session, persona))
    added: list[str] = []
    for f in ("pain_points", "goals"):
        have = [line.strip() for line in getattr(persona, f).splitlines() if line.strip()]
        new = [line for line in draft[f].splitlines() if line.strip() and line not in have]
        if new:
            setattr(persona, f, "\n".join(have + new))
            added += new
    if added:
        persona.version += 1
        record_version(session, persona, f"Filled goals and pain points from evidence "
                       f"({len(added)} lines)", by)
    return added


def _snapshot(persona: Persona) -> dict[str, str]:
    return {f: getattr(persona, f) for f in PERSONA_FIELDS}


def record_version(session: Session, persona: Persona, change: str, by: User | None) -> None:
    session.add(PersonaVersion(persona_id=persona.id, version=persona.version,
                               content=_snapshot(persona), change=change[:200],
                               created_by_id=by.id if by else None))


def edit_persona(session: Session, persona: Persona, data: dict[str, str], by: User | None
                 ) -> list[str]:
    """Apply a researcher's edit; a new version when something changed. Returns the
    changed fields."""
    # a browser sends a textarea's line breaks as CRLF; the stored text has LF, so an
    # untouched multi-line field must not count as edited
    data = {f: (data.get(f) or "").replace("\r\n", "\n").replace("\r", "\n")
            for f in PERSONA_FIELDS}
    changed = [f for f in PERSONA_FIELDS if data[f] != getattr(persona, f)]
    if not changed:
        return []
    for f in changed:
        setattr(persona, f, data[f])
    persona.version += 1
    persona.edited = True
    record_version(session, persona, "Edited " + ", ".join(f.replace("_", " ") for f in changed), by)
    return changed


def _carry_personas(session: Session, run: SegmentRun, segments: list[Segment],
                    matches: dict[int, tuple[Segment, float]], by: User | None) -> None:
    by_segment = {p.segment_id: p for p in session.scalars(
        select(Persona).where(Persona.workspace_id == run.workspace_id,
                              Persona.segment_id.is_not(None)))}
    carried: set[int] = set()
    for seg in segments:
        if seg.label < 0 or seg.profile.get("suppressed"):
            continue
        old = matches.get(seg.id)
        persona = by_segment.get(old[0].id) if old else None
        if persona is not None:
            persona.segment_id = seg.id
            carried.add(persona.id)
            if not persona.edited:  # an untouched draft follows the new evidence
                for f, v in draft_persona(seg, research_points(session, persona)).items():
                    setattr(persona, f, v)
            persona.version += 1
            record_version(session, persona, f"Matched to the recomputed segment (Jaccard "
                           f"{old[1]:.2f}, run {run.id})", by)
            continue
        persona = Persona(workspace_id=run.workspace_id, segment_id=seg.id, **draft_persona(seg))
        session.add(persona)
        session.flush()
        record_version(session, persona, f"Draft from run {run.id}", by)
    for persona in by_segment.values():
        if persona.id not in carried and persona.segment is not None \
                and persona.segment.run_id != run.id:
            persona.segment_id = None
            persona.version += 1
            record_version(session, persona, f"Its segment has no match in run {run.id}", by)


DEFAULT_DAYS = 90


def data_span(session: Session, environment_id: int
              ) -> tuple[dt.datetime, dt.datetime] | None:
    """(first, last) time of the environment's events and orders; None without any."""
    spans = [session.execute(select(func.min(col), func.max(col)).where(env == environment_id)
                             ).one()
             for col, env in ((Event.occurred_at, Event.environment_id),
                              (Order.ordered_at, Order.environment_id))]
    firsts = [_aware(a) for a, _ in spans if a is not None]
    lasts = [_aware(b) for _, b in spans if b is not None]
    if not firsts:
        return None
    return min(firsts), max(lasts)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def window(session: Session, environment_id: int, days: int | None = None,
           start: dt.datetime | None = None, end: dt.datetime | None = None
           ) -> tuple[dt.datetime, int]:
    """(end, days) of a window ``[end - days, end)``. Any period: from ``start`` to ``end``
    (whole days, rounded up), ``days`` from ``start``, ``days`` before ``end``, or from
    ``start`` to the data's end. Without ``end`` it is the data's own end
    (just after the last event or order; now when there is no data), so a log from
    another period gets its own last ``days`` days rather than an empty window."""
    if end is None:
        span = data_span(session, environment_id)
        if start is not None and days is not None:
            end = start + dt.timedelta(days=days)
        elif span is not None:
            end = span[1] + dt.timedelta(seconds=1)
        else:
            end = utcnow()
    end = _aware(end).replace(microsecond=0)
    if start is not None:
        seconds = (end - _aware(start)).total_seconds()
        if seconds <= 0:
            raise SegmentError("The window must end after it starts.")
        days = -int(-seconds // 86400)  # whole days, rounded up: the end moves, not the start
        end = _aware(start).replace(microsecond=0) + dt.timedelta(days=days)
    return end, days or DEFAULT_DAYS


def empty_window_reason(session: Session, run: SegmentRun, active: int) -> str:
    """Why a window holds too few contacts to segment, and what would fix it."""
    end = run.window_end if run.window_end.tzinfo else run.window_end.replace(tzinfo=dt.UTC)
    start = end - dt.timedelta(days=run.window_days)
    where = f"between {start:%Y-%m-%d} and {end:%Y-%m-%d}"
    span = data_span(session, run.environment_id)
    need = f"segmentation needs at least {MIN_CONTACTS}"
    if span is None:
        return (f"Only {active} contacts were active {where}: this environment has no events "
                f"or orders yet. Import some (Segments › Import), then run again; {need}.")
    data = f"its data runs from {span[0]:%Y-%m-%d} to {span[1]:%Y-%m-%d}"
    if span[1] < start or span[0] >= end:
        return (f"Only {active} contacts were active {where}: nothing happened in this "
                f"window, {data}. Choose a window inside that period, or leave the dates "
                f"empty for the data's own last {DEFAULT_DAYS} days; {need}.")
    in_window = [session.scalar(select(func.count()).where(
        env == run.environment_id, at >= start, at < end, known))
        for env, at, known in ((Event.environment_id, Event.occurred_at,
                                Event.contact_id.is_not(None)),
                               (Order.environment_id, Order.ordered_at, true()))]
    anonymous = session.scalar(select(func.count()).where(
        Event.environment_id == run.environment_id, Event.occurred_at >= start,
        Event.occurred_at < end, Event.contact_id.is_(None))) or 0
    detail = [f"{in_window[0] or 0:,} events and {in_window[1] or 0:,} orders of known "
              f"contacts in the window ({data})"]
    if anonymous:
        detail.append(f"{anonymous:,} events in it have no user id and are not segmented")
    detail.append("contacts who denied or withdrew consent are left out")
    return (f"Only {active} contacts were active {where}; {need}. " + "; ".join(detail)
            + ". A longer window may hold more.")


def new_run(session: Session, workspace_id: int, environment_id: int,
            days: int | None = DEFAULT_DAYS, include_attributes: bool = False,
            by: User | None = None, end: dt.datetime | None = None,
            start: dt.datetime | None = None) -> SegmentRun:
    """A run over ``window(...)``: by default the data's own last ``days`` days."""
    end, days = window(session, environment_id, days, start, end)
    run = SegmentRun(workspace_id=workspace_id, environment_id=environment_id, window_days=days,
                     window_end=end,
                     include_attributes=include_attributes, status="computing",
                     message="Waiting for a worker…", created_by_id=by.id if by else None)
    session.add(run)
    session.flush()
    return run


def counts(session: Session, workspace_id: int) -> dict[str, int]:
    return {"runs": session.scalar(select(func.count()).select_from(SegmentRun).where(
        SegmentRun.workspace_id == workspace_id)) or 0}


# ----------------------------------------------------------------------------- what pages show
def current_runs(session: Session, workspace: Workspace) -> list[tuple[Environment, SegmentRun]]:
    """Each environment with a saved run, and that (its current) run."""
    out = []
    for env in workspace.environments:
        run = active_run(session, env.id)
        if run is not None:
            out.append((env, run))
    return out


def recent_runs(session: Session, workspace: Workspace, limit: int = 15) -> list[SegmentRun]:
    return list(session.scalars(select(SegmentRun).where(SegmentRun.workspace_id == workspace.id)
                                .order_by(SegmentRun.created_at.desc()).limit(limit)))


def personas_of(session: Session, workspace: Workspace
                ) -> tuple[dict[int, Persona], list[Persona]]:
    """The workspace's personas: by the segment they describe, and the retired ones (whose
    segment had no match in a later run)."""
    personas = session.scalars(select(Persona).where(Persona.workspace_id == workspace.id)
                               .order_by(Persona.id)).all()
    return ({p.segment_id: p for p in personas if p.segment_id is not None},
            [p for p in personas if p.segment_id is None])


def persona_of(session: Session, segment: Segment) -> Persona | None:
    return session.scalar(select(Persona).where(Persona.segment_id == segment.id))


def persona_history(session: Session, persona: Persona) -> list[PersonaVersion]:
    """The persona's versions, newest first."""
    return list(session.scalars(select(PersonaVersion).where(
        PersonaVersion.persona_id == persona.id).order_by(PersonaVersion.version.desc())))


def saveable(run: SegmentRun) -> bool:
    """Only a computed run that is not saved yet can be saved."""
    return run.status == "ready"


def latest_prediction(session: Session, workspace: Workspace) -> Job | None:
    """The workspace's last successful prediction job (its result is the latest model)."""
    return session.scalar(select(Job).where(
        Job.workspace_id == workspace.id, Job.kind == "segments_predict",
        Job.status == JobStatus.SUCCEEDED).order_by(Job.id.desc()).limit(1))


# ----------------------------------------------------------------------------- imports
def recent_imports(session: Session, workspace: Workspace, limit: int = 20) -> list[DataImport]:
    return list(session.scalars(select(DataImport).where(DataImport.workspace_id == workspace.id)
                                .order_by(DataImport.created_at.desc()).limit(limit)))


def store_upload(stream: Any, filename: str, data_dir: Path, workspace_id: int,
                 limit: int) -> tuple[Path, str, int]:
    """Keep an uploaded file for the import job: (where, its format, its size). Raises
    ImportFailed (and keeps nothing) when it is not a .csv, .jsonl or .parquet file, is
    larger than ``limit`` bytes or its content does not match its format."""
    fmt = file_format(filename)
    if fmt is None:
        raise ImportFailed("Upload a .csv, .jsonl (.ndjson) or .parquet file.")
    dest = data_dir / "imports" / str(workspace_id) / f"{uuid.uuid4().hex}.{fmt}"
    try:
        size = write_upload(stream, dest, limit)
        problem = sniff(dest, fmt)
        if problem:
            raise ImportFailed(problem)
    except ImportFailed:
        dest.unlink(missing_ok=True)
        raise
    return dest, fmt, size


def add_import(session: Session, workspace: Workspace, *, environment_id: int, kind: str,
               filename: str, fmt: str, size: int, by: User | None) -> DataImport:
    """The record of an upload (flushed, so it has its id for the job)."""
    record = DataImport(workspace_id=workspace.id, environment_id=environment_id, kind=kind,
                        filename=filename[-255:], file_format=fmt, size_bytes=size,
                        created_by_id=by.id if by else None)
    session.add(record)
    session.flush()
    return record
