"""Themes on real answers (issue #20): two levels, labels an analyst would write, no theme
founded by names or redaction tokens, the question read, the same themes in any order.

The samples are real: customer messages of CLINC150 labelled by people (CC BY 3.0):
320 of 4 domains x 4 intents (tests/fixtures/nlp/clinc150_sample.json) and 480 of 10
domains x 4 intents (clinc150_40_intents.json).
"""

from __future__ import annotations

import json
import random
import re

import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nlp.labels import clean_for_themes, first_names, phrase_label
from nlp.themes import FILLER, NOTHING, OUTLIER, find_themes
from tests.nlp.conftest import REPO

SAMPLE = REPO / "tests" / "fixtures" / "nlp" / "clinc150_sample.json"
FORTY = REPO / "tests" / "fixtures" / "nlp" / "clinc150_40_intents.json"


def clinc() -> tuple[list[str], list[str], list[str]]:
    rows = json.loads(SAMPLE.read_text())["rows"]
    return [r["text"] for r in rows], [r["domain"] for r in rows], [r["intent"] for r in rows]


def flat(result) -> list[int]:
    return [a if isinstance(a, int) else OUTLIER for a in result.assignments]


@pytest.fixture(scope="module")
def sample():
    return clinc()


@pytest.fixture(scope="module")
def result(sample):
    return find_themes(sample[0], question="How can we help you today?")


def test_two_levels_of_themes():
    # 40 intents in 10 domains (480 real messages): more intents than a readable list of
    # themes holds, so the intents must show in the sub-themes
    rows = json.loads(FORTY.read_text())["rows"]
    texts, intents = [r["text"] for r in rows], [r["intent"] for r in rows]
    r = find_themes(texts, question="How can we help you today?")
    assert r.method == "bertopic"
    assert len(r.themes) <= 27  # "at most ~25": the cap never merges unrelated themes
    assert sum(len(t.subthemes) >= 2 for t in r.themes) >= 3
    top = flat(r)
    pair = [f"{a}.{s}" for a, s in zip(top, r.subassignments, strict=True)]
    assert normalized_mutual_info_score(intents, pair) >= normalized_mutual_info_score(intents, top) + 0.03
    assert normalized_mutual_info_score(intents, pair) >= 0.85
    for t in r.themes:
        assert sum(s.count for s in t.subthemes) in (0, t.count)
        assert len({s.label.lower() for s in t.subthemes}) == len(t.subthemes)
        assert all(s.label and s.label.lower() != t.label.lower() for s in t.subthemes)


def test_default_themes_follow_the_intents(sample, result):
    texts, domains, intents = sample
    assert 4 <= len(result.themes) <= 25
    assert normalized_mutual_info_score(intents, flat(result)) >= 0.8
    assert result.outlier_share <= 0.15


def test_labels_are_short_phrases_people_wrote(sample, result):
    corpus = " ".join(sample[0]).lower()
    labels = [t.label for t in result.themes]
    assert len({lab.lower() for lab in labels}) == len(labels)
    for lab in labels:
        assert " / " not in lab and 1 <= len(lab.split()) <= 4, lab
        assert lab[0].isupper()
        assert lab.lower().split(":")[0] in corpus, lab  # a phrase from the answers
    assert any(len(lab.split()) >= 2 for lab in labels)


def test_same_answers_in_another_order_give_the_same_themes(sample, result):
    texts = sample[0]
    order = list(range(len(texts)))
    random.Random(5).shuffle(order)
    again = find_themes([texts[i] for i in order], question="How can we help you today?")
    back = [0] * len(texts)
    for new_pos, old_pos in enumerate(order):
        back[old_pos] = flat(again)[new_pos]
    assert adjusted_rand_score(flat(result), back) >= 0.95
    assert sorted(t.label for t in again.themes) == sorted(t.label for t in result.themes)


def test_fifty_answers_give_themes_not_one_blob(sample):
    texts, _domains, intents = sample
    picked = [i for i, lab in enumerate(intents) if lab in
              ("freeze_account", "lost_luggage", "recipe", "tire_pressure", "book_flight")][:50]
    assert len(picked) == 50
    r = find_themes([texts[i] for i in picked])
    sizes = sorted((t.count for t in r.themes), reverse=True)
    assert len(r.themes) >= 3, [t.label for t in r.themes]
    assert sizes[0] <= 0.5 * 50
    truth = [intents[i] for i in picked]
    assert normalized_mutual_info_score(truth, flat(r)) >= 0.6


STAFF = ["Natasha", "Vicky", "Sarah", "Olga", "Priya", "Tomasz", "Deborah", "Kwame"]


def test_names_and_redaction_tokens_never_found_or_label_a_theme(sample):
    texts = list(sample[0])
    rng = random.Random(3)
    extra = []
    for _ in range(40):
        a, b = rng.sample(STAFF, 2)
        extra.append(rng.choice([f"{a} and {b} sorted out my card", f"Thanks to {a} for the help with {b}",
                                 f"{a} {b} {a}", f"xxxx helped me, xxxx was kind ({a})",
                                 f"[name] and {b} were great", f"Interviewer: {a}? Participant: {b}"]))
    result = find_themes(texts + extra)
    names = {n.lower() for n in STAFF} | {"xxxx", "name", "redacted", "interviewer", "participant"}
    for t in result.themes:
        words = set(re.findall(r"[a-z]+", (t.label + " " + " ".join(t.keywords)).lower()))
        assert not words & names, (t.label, t.keywords)
        for s in t.subthemes:
            assert not set(re.findall(r"[a-z]+", s.label.lower())) & names, s.label


def test_clean_for_themes_drops_names_redactions_and_speakers():
    assert "natasha" in first_names() and "vicky" in first_names()
    assert "will" not in first_names() and "grace" not in first_names()  # common words stay
    out = clean_for_themes("Interviewer: how was it? P2: Natasha and Vicky were lovely, xxxx was rude [name]")
    low = out.lower()
    assert "natasha" not in low and "vicky" not in low and "xxxx" not in low and "[name]" not in low
    assert "interviewer" not in low and "p2" not in low
    assert "lovely" in low and "rude" in low
    assert clean_for_themes("Will the staff grace us") == "Will the staff grace us"


def test_phrase_label_keeps_small_words_inside():
    docs = ["so much noise at night on the ward", "noise at night kept me awake", "the noise at night",
            "too much noise at night", "noisy ward, noise at night"]
    other = ["the food was cold", "nice food", "staff were kind", "parking was hard"] * 5
    from collections import Counter

    from nlp.labels import phrase_counts
    from nlp.themes import stop_words

    stop = frozenset(stop_words())
    bg: Counter = phrase_counts(docs + other, 4, stop)
    assert phrase_label(docs, bg, len(docs + other), stop) == "Noise at night"


IMPROVE = [
    "Nothing to improve, all good", "nothing", "Nothing really", "None", "no", "Can't think of anything",
    "nothing, keep up the good work", "All good", "Everything was perfect", "nothing to change",
    "No improvements needed", "not really", "Nothing at all", "none, it's perfect", "No complaints",
    "n/a", "-", "asdf", "?",
    "More parking spaces near the entrance", "The car park is always full", "Parking is too expensive",
    "Cheaper parking for visitors", "Not enough disabled parking", "parking takes ages to find",
    "Hot food instead of cold sandwiches", "The food was cold when it arrived", "Better food options",
    "More vegetarian food", "food portions were tiny", "The food choice is poor in the evening",
    "Shorter waiting times in A&E", "I waited four hours to be seen", "The wait for an appointment is too long",
    "Waiting times for appointments", "Long waits on the phone to book", "waiting room was packed for hours",
    "Less noise at night on the ward", "Too noisy at night to sleep", "noise at night from other patients",
    "It was loud at night", "Quieter wards at night please", "Staff talking loudly at night",
    "Nothing, but the parking could be cheaper",
]


def test_nothing_to_improve_is_a_named_theme_for_an_improvement_question():
    r = find_themes(IMPROVE, question="What could we improve?")
    nothing = [t for t in r.themes if t.kind == NOTHING]
    assert len(nothing) == 1 and nothing[0].label == "Nothing to improve"
    members = [IMPROVE[i] for i, a in enumerate(r.assignments) if a == nothing[0].id]
    assert "Nothing to improve, all good" in members and "nothing" in members and "All good" in members
    assert "Nothing, but the parking could be cheaper" not in members  # a real suggestion
    fill = [IMPROVE[i] for i, a in enumerate(r.assignments) if a == FILLER]
    assert sorted(fill) == sorted(["n/a", "-", "asdf", "?"])
    # the same answers to an open question: "nothing" says nothing
    r2 = find_themes(IMPROVE, question="Anything else you would like to tell us?")
    assert not any(t.kind == NOTHING for t in r2.themes)
    assert r2.assignments[IMPROVE.index("nothing")] == FILLER


def test_themes_csv_writes_both_levels(tmp_path, sample):
    import pandas as pd

    from nlp.cli import themes_csv

    src = tmp_path / "in.csv"
    pd.DataFrame({"text": sample[0]}).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    with open(tmp_path / "log.txt", "w") as log:
        themes_csv(src, "text", out, question="How can we help you today?", stream=log)
    df = pd.read_csv(out, keep_default_na=False)
    assert {"theme_id", "theme_label", "subtheme_id", "subtheme_label"} <= set(df.columns)
    themed = df[df.theme_id >= 0]
    assert (themed.subtheme_id >= 0).any()
    assert (themed[themed.subtheme_id >= 0].subtheme_label != "").all()
    summary = pd.read_csv(tmp_path / "out.themes.csv", keep_default_na=False)
    assert "subthemes" in summary.columns
