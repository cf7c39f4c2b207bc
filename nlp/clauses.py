"""Clause-level reading of an answer: contrast splits, negation scope, mixed answers.

A survey answer often says two things: "Great staff but the food was cold". A classifier
that reads the whole answer at once blurs them into one middling score. Here an answer is
cut into sentences and, inside a sentence, at contrast markers ("but", "however",
"although", "except", "unfortunately", ", yet", ": "...); each clause is scored by the
model and the answer's label comes from the clauses and the whole answer together. An
answer with one confidently positive and one confidently negative clause is ``mixed``.

Negation: a clause that negates a problem word ("never had a problem", "no issues at all",
"not bad", "can't complain", "use it without help") is praise, and one that negates a
positive word ("not easy", "doesn't work", "no help at all") is a complaint. Models
trained on tweets and reviews often read the negative word and miss the negation
("our sales people use it without help!" came out negative), so a clause whose negation
pattern contradicts the model's reading has its probability mass moved to the other pole.

:func:`analyse_with` is shared by the full model (:mod:`nlp.sentiment`) and the fast one
(:mod:`nlp.fast_sentiment`): it needs only a ``probs(texts) -> (n, 3)`` function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nlp.text import normalise, split_sentences

__all__ = ["split_clauses", "negation", "adjust", "analyse_with"]

NEG, NEU, POS = 0, 1, 2
_LABELS = ("negative", "neutral", "positive")

# A marker and the weight of the clause it opens: after "but" comes the point being made,
# after "although" the concession.
_MARKERS: tuple[tuple[str, float], ...] = (
    (r"even though", 0.75), (r"although", 0.75), (r"though", 0.75), (r"whereas", 0.75),
    (r"except(?: that| for| when)?", 1.0), (r"but", 1.25), (r"however", 1.25),
    (r"unfortunately", 1.25), (r"sadly", 1.25), (r"that said", 1.25),
    (r"on the other hand", 1.25), (r"only (?:complaint|issue|problem|downside|gripe)(?: is| was)?", 1.25),
    (r"shame that", 1.25), (r"pity that", 1.25),
)
_MARK_RE = re.compile(
    r"(?:,\s*|\s+|^)(?P<m>" + "|".join(m for m, _ in _MARKERS) + r")\b[,:]?\s*"
    r"|(?:,\s*)(?P<y>yet|still)\b,?\s*"
    r"|^(?P<s>still|yet),\s*"
    r"|\s*(?P<c>:)\s+|\s+(?P<d>-|–|—)\s+",
    re.I,
)


def _marker_weight(m: re.Match[str]) -> float:
    if m.group("m"):
        word = m.group("m").lower()
        for pat, w in _MARKERS:
            if re.fullmatch(pat, word):
                return w
        return 1.0
    if m.group("y") or m.group("s"):
        return 1.25
    return 1.0


_EMPTY = {"my", "our", "the", "a", "an", "and", "so", "also", "i", "it", "one", "we", "plus"}


def _keep(piece: str) -> bool:
    return any(ch.isalnum() for ch in piece) and piece.lower() not in _EMPTY


def split_clauses(text: str) -> list[tuple[str, float]]:
    """``[(clause, weight)]``: sentences, cut at contrast markers; weights 0.75 (a
    concession: "although ...") to 1.25 (the point after "but ..."), else 1."""
    out: list[tuple[str, float]] = []
    for sent in split_sentences(text, on_contrast=False):
        pos, weight = 0, 1.0
        for m in _MARK_RE.finditer(sent):
            piece = sent[pos:m.start()].strip(" ,;:-–—")
            if _keep(piece):
                out.append((piece, weight))
            pos, weight = m.end(), _marker_weight(m)
        piece = sent[pos:].strip(" ,;:-–—")
        if _keep(piece):
            out.append((piece, weight))
    return out


# ----------------------------------------------------------------------------- negation
_CUE = r"(?:\bnot|n't|n’t|\bnever|\bno|\bwithout|\bnothing|\bhardly|\bbarely|\bzero|\bnone of the)"
_PROBLEM = (
    r"(?:problems?|issues?|complaints?|complain(?:ing)?|troubles?|hassles?|fuss|bugs?|glitch(?:es)?|"
    r"crash(?:es|ed)?|errors?|downtime|delays?|headaches?|hiccups?|a hitch|hitches|difficult(?:y|ies)?|"
    r"bad|terrible|awful|horrible|slow|hard|complicated|confusing|disappoint(?:ed|s|ing|ment)?|"
    r"fail(?:s|ed)?|faults?|fault it|regrets?|regret it|worr(?:y|ied|ies)|broken|break(?:s|downs?)?|lag(?:s|gy)?|"
    r"let (?:me|us) down|expensive|wrong|waiting|wait|stress(?:ful)?|frustrat(?:ed|ing|ion))"
)
_SELF_SERVE = r"(?:help|training|assistance|instructions|a manual|the manual|support|asking|a tutorial)"
_GOOD = (
    r"(?:good|great|easy|intuitive|helpful|useful|work|works|working|worked|happy|satisfied|"
    r"recommend(?: it)?|fast|quick|reliable|clear|user[- ]friendly|worth(?: it)?|like it|"
    r"love it|impressed|help(?:s|ed|ful)?|responsive|friendly|load|loads|save|saves|intuitive)"
)
_POS_IDIOMS = re.compile(
    r"\b(?:could(?:n't|n’t| not)|can(?:'t|’t|not| not)) (?:be|have been|get|ask for) "
    r"(?:any |much )?(?:happier|better|easier|more (?:helpful|pleased|satisfied)|simpler|faster|more)\b"
    r"|\bcan(?:'t|’t|not| not) (?:recommend|praise|thank) (?:\w+ ){0,3}enough\b"
    r"|\b(?:can(?:'t|’t|not| not)|could(?:n't|n’t| not)) (?:fault|complain|ask for (?:more|better))\b"
    r"|\bno (?:complaints?|problems?|issues?|regrets?)\b|\bnothing (?:to complain|bad|negative|wrong)\b"
    r"|\bnot (?:a|one|a single) (?:problem|issue|complaint|hitch|hiccup)\b|\bnever (?:fails|disappoints)\b"
    r"|\bnever (?:once )?(?:let (?:me|us) down|had (?:a|any|an|one) (?:problem|issue|complaint|bug|crash))",
    re.I,
)
_NEG_IDIOMS = re.compile(
    r"\b(?:no|zero|without any) (?:help|support|response|reply|answer|answers|communication|"
    r"follow[- ]up|way to)\b|\bnot (?:worth|working|user[- ]friendly)\b"
    r"|\b(?:does|did|do|is|was|were|are|has|have)(?:n't|n’t| not) (?:\w+ )?(?:work|working|load|help|save)\b",
    re.I,
)
# negations that do not negate: "not only slow but ...", "never been so frustrated"
_NOT_NEGATING = re.compile(
    r"\b(?:not only|not just|no wonder|never been (?:so|more|this)|never (?:seen|felt|had) (?:such|so)|"
    r"nothing but|no end of|no longer|not anymore|never again)\b",
    re.I,
)
_NEGATED_PROBLEM = re.compile(_CUE + r"\b(?:\W+\w+){0,3}?\W+" + _PROBLEM + r"\b", re.I)
_WITHOUT_HELP = re.compile(
    r"\b(?:without|(?:did(?:n't|n’t| not)|never|no) need(?:ed)?(?: for| to ask for| any)?|"
    r"no need (?:for|of))\s+(?:(?:any|much|a lot of|extra|our|the|their)\s+)?" + _SELF_SERVE + r"\b",
    re.I,
)
_NEGATED_GOOD = re.compile(_CUE + r"\b(?:\W+\w+){0,2}?\W+" + _GOOD + r"\b", re.I)


def negation(clause: str) -> int:
    """+1 when the clause negates a problem ("never had an issue", "not bad", "works
    without training"), -1 when it negates praise ("not easy", "doesn't work", "no help
    at all"), 0 otherwise (also for negations that intensify: "never been so annoyed")."""
    s = normalise(clause)
    if not s:
        return 0
    if _POS_IDIOMS.search(s) or _WITHOUT_HELP.search(s):
        return 1
    if _NEG_IDIOMS.search(s):
        return -1
    if _NOT_NEGATING.search(s):
        return 0
    neg_prob = _NEGATED_PROBLEM.search(s)
    neg_good = _NEGATED_GOOD.search(s)
    if neg_prob and not neg_good:
        return 1
    if neg_good and not neg_prob:
        return -1
    return 0


def adjust(p: np.ndarray, shift: int) -> np.ndarray:
    """Move probability mass to the pole the negation points at (only when the model read
    the other pole or neutral); ``p`` is (3,) negative, neutral, positive."""
    if shift > 0 and p[POS] < max(p[NEG], p[NEU]):
        return np.array([0.1 * p[NEG], 0.6 * p[NEU], p[POS] + 0.9 * p[NEG] + 0.4 * p[NEU]])
    if shift < 0 and p[NEG] < max(p[POS], p[NEU]):
        return np.array([p[NEG] + 0.9 * p[POS] + 0.4 * p[NEU], 0.6 * p[NEU], 0.1 * p[POS]])
    return p


def _decide_one(p: np.ndarray, neutral_threshold: float) -> tuple[int, float]:
    lab = int(p.argmax())
    top = float(p[lab])
    if lab != NEU and top < neutral_threshold:
        return NEU, max(float(p[NEU]), 1.0 - top)
    return lab, top


def analyse_with(
    probs: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    neutral_threshold: float,
    *,
    mixed_threshold: float = 0.6,
) -> list[dict[str, Any]]:
    """Per text: ``{label, score, polarity, mixed, sentences, clauses}``.

    ``probs`` scores a list of texts (calibrated (n, 3) probabilities). Every answer is
    scored whole and, when it has several clauses, per clause; negation patterns correct
    each piece; an answer of several clauses gets 0.4 x the whole-answer probabilities +
    0.6 x the clauses' mean weighted by length and marker. ``mixed`` is True when one
    clause is positive and another negative, each with probability >= ``mixed_threshold``.
    ``clauses`` lists ``{text, label, score}`` per clause. ``polarity`` = P(pos) - P(neg).
    """
    norm = [normalise(t) for t in texts]
    pieces: list[str] = []
    owner: list[tuple[int, float]] = []
    split: list[list[tuple[str, float]]] = []
    for i, t in enumerate(norm):
        cl = split_clauses(t) if t else []
        split.append(cl)
        if len(cl) > 1:
            for c, w in cl:
                pieces.append(c)
                owner.append((i, w))
    whole = probs([t or "-" for t in norm]) if norm else np.zeros((0, 3))
    part = probs(pieces) if pieces else np.zeros((0, 3))
    by_owner: dict[int, list[int]] = {}
    for j, (i, _) in enumerate(owner):
        by_owner.setdefault(i, []).append(j)
    results: list[dict[str, Any]] = []
    for i, t in enumerate(norm):
        if not t:
            results.append({"label": "neutral", "score": 1.0, "polarity": 0.0, "mixed": False,
                            "sentences": 0, "clauses": []})
            continue
        js = by_owner.get(i)
        clauses: list[dict[str, Any]] = []
        mixed = False
        p: np.ndarray
        if js:
            ps = np.array([adjust(np.asarray(part[j], dtype=np.float64), negation(pieces[j])) for j in js])
            wts = np.array([max(len(pieces[j].split()), 1) ** 0.5 * owner[j][1] for j in js])
            # the whole answer carries no negation fix of its own: its clauses do
            p = 0.4 * np.asarray(whole[i], dtype=np.float64) + 0.6 * (ps * wts[:, None]).sum(axis=0) / wts.sum()
            labs = [_decide_one(q, neutral_threshold) for q in ps]
            has_pos = any(lab == POS and q[POS] >= mixed_threshold for (lab, _), q in zip(labs, ps, strict=True))
            has_neg = any(lab == NEG and q[NEG] >= mixed_threshold for (lab, _), q in zip(labs, ps, strict=True))
            mixed = has_pos and has_neg
            clauses = [{"text": pieces[j], "label": _LABELS[lab], "score": round(sc, 4)}
                       for j, (lab, sc) in zip(js, labs, strict=True)]
        else:
            p = adjust(np.asarray(whole[i], dtype=np.float64), negation(t))
            lab0, sc0 = _decide_one(p, neutral_threshold)
            clauses = [{"text": t, "label": _LABELS[lab0], "score": round(sc0, 4)}]
        p = p / p.sum()
        lab, score = _decide_one(p, neutral_threshold)
        results.append({
            "label": _LABELS[lab], "score": round(score, 4), "polarity": round(float(p[POS] - p[NEG]), 4),
            "mixed": mixed, "sentences": max(len(split[i]), 1), "clauses": clauses,
        })
    return results
