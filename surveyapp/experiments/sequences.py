"""Frequent subsequences (PrefixSpan) that tell converters from people who dropped off.

PrefixSpan (Pei et al. 2001) grows patterns one item at a time over "projected"
databases: the suffixes after the pattern's first match. Our sequences are short (a
contact's first events after entering a funnel), so a small exact implementation is
enough; it is checked against hand-computed cases in the tests.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveyapp.experiments.funnels import reached_by_contact
from surveyapp.models import Environment, Event


def prefixspan(sequences: list[list[str]], min_support: int, max_length: int = 4
               ) -> dict[tuple[str, ...], int]:
    """Every subsequence (items in order, gaps allowed) contained in at least
    ``min_support`` sequences, with its support (the number of sequences containing it)."""
    out: dict[tuple[str, ...], int] = {}

    def grow(prefix: tuple[str, ...], projected: list[tuple[int, int]]) -> None:
        # projected: (sequence index, position where the suffix starts)
        if len(prefix) >= max_length:
            return
        first_pos: dict[str, dict[int, int]] = defaultdict(dict)
        for sid, start in projected:
            seq = sequences[sid]
            for pos in range(start, len(seq)):
                item = seq[pos]
                if sid not in first_pos[item]:
                    first_pos[item][sid] = pos
        for item in sorted(first_pos):
            hits = first_pos[item]
            if len(hits) < min_support:
                continue
            pattern = (*prefix, item)
            out[pattern] = len(hits)
            grow(pattern, [(sid, pos + 1) for sid, pos in hits.items()])

    grow((), [(i, 0) for i in range(len(sequences))])
    return out


@dataclass
class Pattern:
    items: tuple[str, ...]
    converters: float  # share of converters whose sequence contains it
    dropped: float
    lift: float  # converters - dropped, in share points


def contrast(converted: list[list[str]], dropped: list[list[str]], min_share: float = 0.2,
             max_length: int = 3, top: int = 10) -> list[Pattern]:
    """Patterns frequent in either group, ranked by how differently common they are."""
    if not converted or not dropped:
        return []
    supports = []
    for group in (converted, dropped):
        supports.append(prefixspan(group, max(2, int(min_share * len(group))), max_length))
    patterns = set(supports[0]) | set(supports[1])
    # A pattern below the threshold in one group needs its exact support counted there.
    out: list[Pattern] = []
    for items in patterns:
        found_a, found_b = supports[0].get(items), supports[1].get(items)
        a = found_a if found_a is not None else sum(_contains(s, items) for s in converted)
        b = found_b if found_b is not None else sum(_contains(s, items) for s in dropped)
        out.append(Pattern(items, a / len(converted), b / len(dropped),
                           a / len(converted) - b / len(dropped)))
    # Longer patterns that only repeat a shorter one's story (same shares) are left out.
    out.sort(key=lambda x: (len(x.items), x.items))
    kept: list[Pattern] = []
    for p in out:
        if not any(_contains(list(p.items), q.items) and abs(q.converters - p.converters) < 0.03
                   and abs(q.dropped - p.dropped) < 0.03 for q in kept):
            kept.append(p)
    kept.sort(key=lambda x: (-abs(x.lift), len(x.items), x.items))
    return kept[:top]


def _contains(seq: list[str], pattern: tuple[str, ...]) -> bool:
    it = iter(seq)
    return all(item in it for item in pattern)


def funnel_sequences(session: Session, workspace_id: int, steps: list[str], window_hours: float,
                     limit: int = 1500, length: int = 12,
                     exclude: tuple[str, ...] = ("page_view", "$click", "$exposure"), *,
                     engine: str = "auto") -> dict[str, Any]:
    """Sequences of converters (reached the last step) and drop-offs of a funnel: each
    contact's first ``length`` events after entering, the funnel's later steps removed
    (they would trivially separate the groups). Sampled: at most ``limit`` per group, the
    lowest contact ids. On DuckDB when the copy of the events is current, else in SQL."""
    from surveyapp.events import analytics

    skip = set(exclude) | set(steps[1:])
    if not steps or not analytics.workspace_envs(session, workspace_id):
        return {"converted": [], "dropped": []}

    def columnar(events: analytics.Events) -> dict[str, Any]:
        from surveyapp.experiments import columnar as col

        return col.funnel_sequences(events, steps, window_hours, limit, length, skip)

    return analytics.run(session, workspace_id, columnar, lambda: _sql_sequences(
        session, workspace_id, steps, window_hours, limit, length, skip), engine=engine)


def _sql_sequences(session: Session, workspace_id: int, steps: list[str], window_hours: float,
                   limit: int, length: int, skip: set[str]) -> dict[str, Any]:
    reached = reached_by_contact(session, workspace_id, steps, window_hours, engine="sql")
    done = sorted(c for c, (r, _) in reached.items() if r == len(steps))[:limit]
    lost = sorted(c for c, (r, _) in reached.items() if r < len(steps))[:limit]
    env_ids = list(session.scalars(select(Environment.id).where(
        Environment.workspace_id == workspace_id)))
    seqs: dict[int, list[str]] = defaultdict(list)
    chosen = done + lost
    for i in range(0, len(chosen), 500):
        batch = chosen[i:i + 500]
        rows = session.execute(
            select(Event.contact_id, Event.name, Event.occurred_at).where(
                Event.environment_id.in_(env_ids), Event.contact_id.in_(batch),
                Event.name.not_in(skip))
            .order_by(Event.contact_id, Event.occurred_at, Event.id))
        for cid, name, at in rows:
            if at >= reached[cid][1] and len(seqs[cid]) < length:
                seqs[cid].append(name)
    return {"converted": [seqs[c] for c in done], "dropped": [seqs[c] for c in lost]}
