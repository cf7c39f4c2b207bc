"""The question an answer replies to changes what the answer means.

"Nothing" to "Anything else to add?" says nothing; to "What could we improve?" it says
*nothing needs to change*, an answer an analyst counts. :func:`question_kind` reads the
question's text (English) and :func:`nothing_to_change` recognises those answers, so
:func:`nlp.themes.find_themes` puts them in a named theme ("Nothing to improve") instead
of setting them aside as filler. Filler stays filler: "n/a", "-", "asdf", "idk".
"""

from __future__ import annotations

import re

from nlp.text import normalise, tokens

__all__ = ["question_kind", "nothing_to_change", "IMPROVE", "PRAISE", "OPEN", "NOTHING_LABEL"]

IMPROVE = "improve"  # what should change: improve, better, change, missing, dislike, problems
PRAISE = "praise"  # what was good: like, love, best, enjoy
OPEN = "open"  # anything else
NOTHING_LABEL = {IMPROVE: "Nothing to improve", PRAISE: "Nothing liked"}

_IMPROVE_Q = re.compile(
    r"\b(?:improve|improved|improvement|improvements|better|change|changes|changed|fix|fixed|"
    r"missing|miss|lacking|dislike|disliked|didn'?t like|did not like|least|frustrat\w*|"
    r"problem|problems|issue|issues|wrong|annoy\w*|wish|suggest\w*|add|remove|could we do|"
    r"should we do|do differently|one thing)\b",
    re.I,
)
_PRAISE_Q = re.compile(r"\b(?:like(?! to\b)|liked|love(?! to\b)|loved|enjoy\w*|best|good|great|favou?rite|"
                       r"value|valued|what went well|stand out|impress\w*)\b", re.I)

# answers that say nothing needs to change
_NOTHING = re.compile(
    r"^(?:(?:no|nope|nah|none|nothing|not really|not a thing|no changes?|no improvements?|"
    r"nothing at all|nothing really|nothing much|nothing springs to mind|nothing comes to mind|"
    r"can ?n?o?'?t think of anything|i can'?t think of anything|cannot think of anything|"
    r"no complaints?|no issues?|no problems?|not that i can think of|all (?:good|fine|great|perfect)|"
    r"everything (?:is|was) (?:fine|good|great|perfect|excellent|ok|okay)|perfect as (?:it is|is)|"
    r"keep (?:it|up|doing)|happy (?:with|as)|couldn'?t fault|could not fault|faultless|"
    r"(?:it'?s|it is|it was) (?:perfect|fine|great|good)|nothing to (?:improve|change|add))\b)",
    re.I,
)
_NOTHING_LIKED = re.compile(r"^(?:no|nope|nah|none|nothing|not really|not much)\b")
_BUT = re.compile(r"\b(?:but|except|apart from|other than|however|although|only|maybe|perhaps|wish|"
                  r"could|would|should|more|less|too)\b", re.I)


def question_kind(question: str | None) -> str:
    """``'improve'``, ``'praise'`` or ``'open'`` from the question's text."""
    q = normalise(question or "")
    if not q:
        return OPEN
    if _IMPROVE_Q.search(q):
        return IMPROVE
    if _PRAISE_Q.search(q):
        return PRAISE
    return OPEN


def nothing_to_change(text: object, kind: str = IMPROVE) -> bool:
    """True for "nothing", "nothing to improve, all good", "can't think of anything"...

    Only for an improvement (or praise) question; a longer answer, or one that goes on
    to name something ("nothing, but the parking ..."), is a real suggestion and stays.
    """
    if kind not in (IMPROVE, PRAISE):
        return False
    s = normalise(text).lower().replace("’", "'")
    words = tokens(s)
    if not words or len(words) > 14:
        return False
    flat = " ".join(words)
    if kind == PRAISE and not _NOTHING_LIKED.match(flat):
        return False
    if not _NOTHING.match(flat):
        return False
    rest = _NOTHING.sub("", flat, count=1)
    return not _BUT.search(rest)
