"""The usability statistics agree with published worked examples.

Sources (the numbers below are the ones printed there):

* SUS scoring -- Brooke, J. (1996) "SUS: a 'quick and dirty' usability scale": odd items
  contribute (answer - 1), even items (5 - answer), the sum times 2.5. Worked example:
  Tullis, T. & Albert, B. (2008) *Measuring the User Experience*, Figure 6.8: item
  contributions 4, 1, 1, 4, 1, 2, 1, 1, 4, 3, "Total = 22, SUS Score = 22 * 2.5 = 55".
* Adjusted-Wald interval -- Tullis & Albert (2008), p. 69 (also at
  measuringux.com/adjustedwald.htm): 4 of 5 users succeed, 95% confidence,
  p_adj = 0.6696, "Lower Limit = 0.3596, Upper Limit = 0.9796". Sauro & Lewis' own
  calculator (measuringu.com/wald.htm) describes 9 of 10 as p_adj = (9 + 1.96^2/2) /
  (10 + 1.96^2), approximately 11/14, whose crude upper limit passes 100%.
"""

from __future__ import annotations

import pytest

from surveyapp.research.questionnaires import TaskResult, UsabilityData, sus_score
from surveyapp.research.usability import completion, summarise

# Tullis & Albert, Figure 6.8: each item's contribution, and so the answer that gives it.
FIG_6_8_CONTRIBUTIONS = [4, 1, 1, 4, 1, 2, 1, 1, 4, 3]
FIG_6_8_ANSWERS = [c + 1 if i % 2 == 0 else 5 - c for i, c in enumerate(FIG_6_8_CONTRIBUTIONS)]


def test_sus_matches_the_published_example():
    assert FIG_6_8_ANSWERS == [5, 4, 2, 1, 2, 3, 2, 4, 5, 2]
    assert sus_score(FIG_6_8_ANSWERS) == 55.0


def test_sus_extremes_and_the_neutral_form():
    assert sus_score([5, 1] * 5) == 100.0  # best answer on every item
    assert sus_score([1, 5] * 5) == 0.0
    assert sus_score([3] * 10) == 50.0


def test_adjusted_wald_matches_the_published_example():
    four_of_five = completion(4, 5)
    assert four_of_five.value == pytest.approx(0.8)
    assert four_of_five.low == pytest.approx(0.3596, abs=5e-4)
    assert four_of_five.high == pytest.approx(0.9796, abs=5e-4)
    assert four_of_five.n == 5


def test_adjusted_wald_nine_of_ten_is_capped_at_one_hundred_percent():
    # p_adj = 10.9208 / 13.8416 = 0.7890; 0.7890 -/+ 1.96 * 0.1097 = 0.5740 .. 1.0040,
    # which the interval reports as 57.4% .. 100%.
    nine_of_ten = completion(9, 10)
    assert nine_of_ten.low == pytest.approx(0.5740, abs=5e-4)
    assert nine_of_ten.high == 1.0


def test_the_study_page_summary_uses_the_same_figures():
    results = [TaskResult(f"P{i}", "Find the invoice", i < 4, 30.0 + i, i, 3 + i) for i in range(5)]
    tasks, sus, _ = summarise(UsabilityData(results, {"P1": FIG_6_8_ANSWERS, "P2": [5, 1] * 5}))
    assert tasks[0].completion.low == pytest.approx(0.3596, abs=5e-4)
    assert tasks[0].attempts == 5 and sus.value == (55.0 + 100.0) / 2 and sus.n == 2


def test_identical_ratings_give_a_zero_width_interval():
    from surveyapp.research.usability import mean_interval

    est = mean_interval([6, 6, 6, 6])
    assert (est.value, est.low, est.high, est.n) == (6, 6, 6, 4)


def test_intervals_stay_on_the_scale():
    """Four participants rating 7, 5, 6 and 3 give a t interval reaching past 7; SUS
    scores of 95, 87.5, 95 and 35 one past 100. The page shows neither."""
    rows = [TaskResult(f"P{i}", "Find an invoice", True, 60.0, 0, seq) for i, seq in enumerate([7, 5, 6, 3])]
    answers = {"P0": [5, 1, 5, 1, 5, 1, 5, 1, 4, 2], "P1": [5, 2, 4, 1, 5, 1, 4, 1, 4, 2],
               "P2": [5, 1, 5, 1, 4, 1, 5, 1, 4, 1], "P3": [2, 4, 2, 3, 2, 4, 2, 3, 3, 3]}
    assert sorted(sus_score(a) for a in answers.values()) == [35.0, 87.5, 95.0, 95.0]
    tasks, sus, _ = summarise(UsabilityData(rows, answers))
    seq = tasks[0].seq
    assert seq.value == 5.25 and seq.high == 7 and 1 < seq.low < 5.25
    assert sus.high == 100 and 0 < sus.low < sus.value
