"""Study passages against themes: which turns are themed at all, when a passage joins a
theme of the linked survey question, and how the rest are grouped into proposals.

Interview turns are not survey answers. A conversation is full of back-channel turns
("Thanks for having us.", "Definitely.", "So good!") that say nothing a theme could hold,
and its substantive turns are long and wander, so their similarity to a survey theme's
centre is lower and noisier than an answer's. Three rules follow, each measured on real
transcripts (docs/research.md, "Analysis"):

* a **back-channel** turn (no word beyond stop words and the tokens of acknowledgement,
  greeting and hedging in :data:`CONVERSATIONAL`) is neither linked nor proposed;
* a passage joins a survey theme only when its cosine similarity to the theme's centre is
  at least :data:`LINK_MIN` (or the theme model's own, stricter, threshold);
* the passages that fit no survey theme are grouped with BERTopic leaving up to
  :data:`PROPOSAL_OUTLIERS` of them unproposed rather than forcing every stray turn into the
  nearest group, with the speakers' names taken out of the words that label a group.

Pure functions over lists; the embeddings are the packaged MiniLM (:mod:`nlp.embeddings`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BACKCHANNEL = "backchannel"  # Passage.kind of a turn that is not themed
# Cosine similarity (MiniLM) a passage needs to a survey theme's centre to be linked to it.
# Chosen on four real podcast transcripts (520 passages on government procurement, a coding
# school, accounting software and a start-up) against the demo survey's 19 themes: 99.5% of
# their substantive passages lie below 0.50, while the interview answers written about the
# survey's own subjects lie at 0.54-0.66 (docs/research.md gives the figures).
LINK_MIN = 0.5
# Share of the unmatched passages BERTopic may leave unproposed (survey answers: 0.15).
PROPOSAL_OUTLIERS = 0.5
# A proposal's passages must sit this much closer to their own centre (mean cosine) than
# the unmatched passages as a whole sit to theirs; a group that does not is small talk swept
# together (on the real transcripts: +0.05 for the chit-chat group, +0.09 and more for the
# topics), and its passages are left unproposed.
COHESION_GAIN = 0.07
MIN_PROPOSED = 8  # unmatched passages needed before new themes are proposed

_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?")
# Words of acknowledgement, greeting and hedging that carry no subject of their own.
_CONVERSATIONAL = """
yeah yes yep yup yah ya no nope nah ok okay alright right sure exactly absolutely definitely
totally true correct agreed indeed certainly precisely course fair enough cool nice great
good awesome amazing wonderful fantastic perfect excellent fine wow whoa oh ah uh um hmm mm
mhm huh hey hi hello bye goodbye thanks thank cheers welcome pleasure glad happy excited
appreciate appreciated fun lovely love nope gotcha got see mean know think guess suppose
laughs laughter laughing chuckles crosstalk inaudible unintelligible amen gosh god man dude
having being here there us me you it that this so really quite very pretty just well yeah
interesting fascinating funny crazy wild cool neat sweet brilliant lol haha hah ha absolutely
sounds sound makes sense totally basically literally honestly seriously tell talk go ahead
luck feel free bet deal done same too also either both all them
"""
CONVERSATIONAL = frozenset(_CONVERSATIONAL.split())


MAX_BACKCHANNEL_WORDS = 8  # the longest of the real episodes' acknowledgements is 6


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text or "")]


def _stop() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS  # noqa: PLC0415

    from nlp.themes import stop_words  # noqa: PLC0415

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(stop_words()) | CONVERSATIONAL


def content_words(text: str, stop: frozenset[str] | None = None) -> list[str]:
    """The words of ``text`` that name something (not stop words, not conversation)."""
    stop = _stop() if stop is None else stop
    return [w for w in words(text) if w.split("'")[0] not in stop and len(w) > 1]


def is_backchannel(text: str, names: re.Pattern[str] | None = None,
                   stop: frozenset[str] | None = None) -> bool:
    """True for a turn that only keeps the conversation going ("Thanks for having us.",
    "Definitely.", "So good!", "Yeah. [laughter]", "$930.", "Thank you, Adam." when Adam
    is a speaker: ``names`` from :func:`speaker_names`). Only short turns: a longer one
    made of common words still says something ("it's not been especially fun to use for
    the last 18 months or so"), and the stop lists are broad."""
    if len(words(text)) > MAX_BACKCHANNEL_WORDS:
        return False
    return not content_words(without_names(text, names), stop)


@dataclass
class StudyThemes:
    """Per passage: a survey theme id, -1 (fits none), or a kind ("filler", "non_english",
    "backchannel"); the proposals and, per passage, its proposal's index (or None)."""

    assigned: list[int | str]
    proposed: list[dict[str, Any]] = field(default_factory=list)
    proposal_of: list[int | None] = field(default_factory=list)
    threshold: float | None = None

    @property
    def backchannel(self) -> int:
        return sum(1 for a in self.assigned if a == BACKCHANNEL)


def speaker_names(speakers: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern matching any word of the speakers' names ("Adam", "Stacoviak's")."""
    names = sorted({w for s in speakers if s for w in _WORD.findall(s) if len(w) > 1}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")(?:'s|’s)?\b", re.IGNORECASE)


def without_names(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` without the speakers' names, so no group is labelled after a person."""
    return re.sub(r"\s{2,}", " ", pattern.sub(" ", text)).strip() if pattern else text


def _embed(texts: Sequence[str], cache_dir: str | None) -> np.ndarray:
    from nlp.embeddings import embed  # noqa: PLC0415
    from nlp.text import normalise, scrub_pii  # noqa: PLC0415

    return embed([scrub_pii(normalise(t)) for t in texts], cache_dir=cache_dir)


def theme_passages(texts: Sequence[str], result: Any, *, speakers: Iterable[str] = (),
                   cache_dir: str | None = None, embeddings: np.ndarray | None = None) -> StudyThemes:
    """Link ``texts`` to the themes of ``result`` (a survey question's ``ThemeResult``, or
    None) and propose new themes from the substantive passages that fit none."""
    from nlp import themes as nlp_themes  # noqa: PLC0415

    texts = list(texts)
    stop = _stop()
    names = speaker_names(speakers)
    kinds = nlp_themes.classify(texts)
    assigned: list[int | str] = []
    for text, kind in zip(texts, kinds, strict=True):
        if kind == nlp_themes.FILLER:
            assigned.append(nlp_themes.FILLER)
        elif kind.startswith(nlp_themes.NON_ENGLISH):
            assigned.append(nlp_themes.NON_ENGLISH)
        elif is_backchannel(text, names, stop):
            assigned.append(BACKCHANNEL)
        else:
            assigned.append(nlp_themes.OUTLIER)
    out = StudyThemes(assigned=assigned, proposal_of=[None] * len(texts))
    todo = [i for i, a in enumerate(assigned) if a == nlp_themes.OUTLIER]
    if not todo:
        return out
    emb = embeddings if embeddings is not None else _embed(texts, cache_dir)
    if result is not None and result.themes:
        out.threshold = max(float(result.assign_threshold), LINK_MIN)
        linked = nlp_themes.assign(result, [texts[i] for i in todo], embeddings=emb[todo],
                                   threshold=out.threshold)
        for i, a in zip(todo, linked, strict=True):
            assigned[i] = a
    unmatched = [i for i in todo if assigned[i] == nlp_themes.OUTLIER]
    if len(unmatched) < MIN_PROPOSED:
        return out
    docs = [without_names(texts[i], names) for i in unmatched]
    fresh = nlp_themes.find_themes(docs, embeddings=emb[unmatched], outlier_target=PROPOSAL_OUTLIERS)
    vectors = emb[unmatched]
    floor = cohesion(vectors) + COHESION_GAIN
    ids: dict[int, int] = {}
    for theme in fresh.themes:
        members = [j for j, a in enumerate(fresh.assignments) if a == theme.id]
        if cohesion(vectors[members]) >= floor:
            ids[theme.id] = len(out.proposed)
            out.proposed.append(_proposal(theme, names, stop))
    for i, a in zip(unmatched, fresh.assignments, strict=True):
        if isinstance(a, int) and a in ids:
            out.proposal_of[i] = ids[a]
    return out


def cohesion(vectors: np.ndarray) -> float:
    """Mean cosine similarity of unit ``vectors`` to their own centre."""
    if not len(vectors):
        return 0.0
    centre = vectors.mean(axis=0)
    centre = centre / max(float(np.linalg.norm(centre)), 1e-12)
    return float((vectors @ centre).mean())


def _proposal(theme: Any, names: re.Pattern[str] | None, stop: frozenset[str]) -> dict[str, Any]:
    """A proposal's label and keywords: never a speaker's name (a keyword that still holds
    one is dropped), never a label of filler words ("I'm", "True": then the keywords')."""
    from nlp.themes import make_label  # noqa: PLC0415

    keywords = [k for k in theme.keywords if not (names and names.search(k)) and content_words(k, stop)]
    label = theme.label
    if (names and names.search(label)) or not content_words(label, stop):
        label = make_label(keywords) if keywords else "unnamed group"
    return {"label": label, "keywords": keywords[:6], "size": theme.count}
