"""Usability-test statistics that stay honest at the small samples usability tests have
(Sauro & Lewis, *Quantifying the User Experience*):

* task completion: adjusted-Wald (Agresti-Coull) interval, sound from n = 1 upwards;
* time on task: geometric mean of successful attempts, with a t interval on the logs
  (times are skewed; the arithmetic mean overstates the typical time);
* SEQ (1-7), SUS and UMUX-Lite (0-100): mean with a t interval.

Every figure carries its n. Intervals are 95% unless asked otherwise.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from surveyapp.research.questionnaires import TaskResult, UsabilityData, sus_score


@dataclass
class Estimate:
    value: float
    low: float
    high: float
    n: int


@dataclass
class TaskSummary:
    task: str
    attempts: int  # with a recorded outcome
    completion: Estimate | None  # None: no outcome recorded (SEQ from a form export)
    time_s: Estimate | None  # geometric mean, successful attempts
    errors_mean: float | None
    seq: Estimate | None


def completion(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="agresti_coull")
    return Estimate(successes / n, max(0.0, low), min(1.0, high), n)


def _within(estimate: Estimate | None, low: float, high: float) -> Estimate | None:
    """An interval cut to the scale's range (a t interval on 1-7 answers can reach 8)."""
    if estimate is None or estimate.n < 2:
        return estimate
    return Estimate(estimate.value, max(low, estimate.low), min(high, estimate.high), estimate.n)


def mean_interval(values: list[float], confidence: float = 0.95) -> Estimate | None:
    from scipy import stats

    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1)
    sd = statistics.stdev(values)  # exact 0 for identical values (scipy warns there)
    half = stats.t.ppf((1 + confidence) / 2, n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n)


def geometric_mean_interval(values: list[float], confidence: float = 0.95) -> Estimate | None:
    positive = [v for v in values if v > 0]
    logs = mean_interval([math.log(v) for v in positive], confidence)
    if logs is None:
        return None
    return Estimate(math.exp(logs.value), math.exp(logs.low) if logs.n > 1 else math.nan,
                    math.exp(logs.high) if logs.n > 1 else math.nan, logs.n)


class Summary(NamedTuple):
    tasks: list[TaskSummary]
    sus: Estimate | None
    umux: Estimate | None  # UMUX-Lite, 0-100


def summarise(data: UsabilityData) -> Summary:
    """Per task, in the order tasks first appear; and the SUS and UMUX-Lite scores over
    participants."""
    by_task: dict[str, list[TaskResult]] = defaultdict(list)
    for result in data.results:
        by_task[result.task].append(result)
    tasks = []
    for task, rows in by_task.items():
        known = [r for r in rows if r.success is not None]
        successes = [r for r in known if r.success]
        errors = [r.errors for r in rows if r.errors is not None]
        tasks.append(TaskSummary(
            task=task, attempts=len(known),
            completion=completion(len(successes), len(known)) if known else None,
            time_s=geometric_mean_interval([r.seconds for r in successes if r.seconds is not None]),
            errors_mean=sum(errors) / len(errors) if errors else None,
            seq=_within(mean_interval([float(r.seq) for r in rows if r.seq is not None]), 1, 7)))
    sus = _within(mean_interval([sus_score(a) for a in data.sus.values()]), 0, 100)
    umux = _within(mean_interval(list(data.umux.values())), 0, 100)
    return Summary(tasks, sus, umux)
