"""Behavioural triggers: which early behaviours predict an outcome.

Cohort: contacts first seen at least ``early_days + horizon_days`` before the end, so
everyone had the same time to show the outcome. Features: what each did in their first
``early_days`` (events per name, active days), aggregated in SQL. Outcomes:

* ``churn``: no event in the last ``horizon_days`` before the end;
* ``conversion``: the event ``event`` at any time after the early period.

Two models are fitted on 70% of the cohort and scored on the held-out 30%: logistic
regression (log1p + scaling) and gradient boosting. The logistic model is kept as numbers
(``scorer``) so a person can be scored later from their own early behaviour. Reported: held-out ROC AUC of each,
calibration (predicted vs observed rate in five bins, Brier score), and for each early
behaviour the relative risk of the outcome for those who did it vs those who did not,
with a 95% CI, in plain language. Groups under 5 contacts are not reported.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from surveyapp.models import ConsentState, Contact, Event
from surveyapp.segments.profiles import MIN_GROUP

OUTCOMES = {"churn": "Churn (inactive for the last N days)",
            "conversion": "Conversion (does an event after the early period)"}


class PredictError(Exception):
    """The cohort or outcome does not allow a model (too few people, one class only)."""


def _seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400
    return func.extract("epoch", later - earlier)


def cohort(session: Session, env_id: int, end: dt.datetime, early_days: int, horizon_days: int,
           outcome: str, event: str | None) -> tuple[Any, Any]:
    """(features frame indexed by contact id, outcome series of 0/1)."""
    import pandas as pd

    allowed = Contact.consent.notin_([ConsentState.DENIED, ConsentState.OPTED_OUT])
    first = (select(Event.contact_id.label("cid"), func.min(Event.occurred_at).label("first"),
                    func.max(Event.occurred_at).label("last"))
             .join(Contact, Contact.id == Event.contact_id)
             .where(Event.environment_id == env_id, Event.occurred_at < end, allowed,
                    Event.contact_id.is_not(None))
             .group_by(Event.contact_id).subquery())
    latest_start = end - dt.timedelta(days=early_days + horizon_days)
    base = session.execute(select(first.c.cid, first.c.last).where(first.c.first <= latest_start)).all()
    if not base:
        raise PredictError("No contact was first seen early enough for this early period and "
                           "horizon.")
    elapsed = _seconds_between(session, Event.occurred_at, first.c.first)
    early = session.execute(
        select(Event.contact_id, Event.name, func.count())
        .join(first, first.c.cid == Event.contact_id)
        .where(first.c.first <= latest_start, elapsed < early_days * 86400)
        .group_by(Event.contact_id, Event.name)).all()
    frame = (pd.DataFrame(early, columns=["cid", "name", "n"])
             .pivot_table(index="cid", columns="name", values="n", fill_value=0, aggfunc="sum")
             .reindex([cid for cid, _ in base], fill_value=0))
    frame.columns = [f"early:{c}" for c in frame.columns]
    if outcome == "churn":
        cutoff = end - dt.timedelta(days=horizon_days)
        y = pd.Series({cid: int(last < cutoff) for cid, last in base})
    elif outcome == "conversion":
        if not event:
            raise PredictError("Name the event that counts as a conversion.")
        frame = frame.drop(columns=[f"early:{event}"], errors="ignore")  # not its own predictor
        converted = set(session.scalars(
            select(Event.contact_id).join(first, first.c.cid == Event.contact_id)
            .where(and_(Event.name == event, elapsed >= early_days * 86400,
                        first.c.first <= latest_start, Event.occurred_at < end)).distinct()))
        y = pd.Series({cid: int(cid in converted) for cid, _ in base})
    else:
        raise PredictError(f"Unknown outcome {outcome!r}.")
    return frame.astype(float), y.reindex(frame.index)


def relative_risk(a: int, n1: int, c: int, n0: int) -> tuple[float, float, float] | None:
    """Risk ratio (a/n1)/(c/n0) with a 95% CI (log method, 0.5 added to empty cells)."""
    if n1 < MIN_GROUP or n0 < MIN_GROUP:
        return None
    if a == 0 or c == 0:
        a, c, n1, n0 = a + 0.5, c + 0.5, n1 + 1, n0 + 1  # type: ignore[assignment]
    rr = (a / n1) / (c / n0)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return rr, math.exp(math.log(rr) - 1.96 * se), math.exp(math.log(rr) + 1.96 * se)


def fit(frame: Any, y: Any, seed: int = 0, progress: Callable[[float, str], None] | None = None
        ) -> dict[str, Any]:
    import numpy as np
    from sklearn.calibration import calibration_curve
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import brier_score_loss, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler
    from threadpoolctl import threadpool_limits

    report = progress or (lambda f, m="": None)
    positives = int(y.sum())
    if len(y) < 40 or positives < 10 or len(y) - positives < 10:
        raise PredictError(f"Too few people to fit a model: {len(y)} in the cohort, {positives} "
                           "with the outcome (needs 40, with at least 10 of each).")
    x = frame.to_numpy()
    x_train, x_test, y_train, y_test = train_test_split(x, y.to_numpy(), test_size=0.3,
                                                        random_state=seed, stratify=y.to_numpy())
    models = {
        "logistic": make_pipeline(FunctionTransformer(np.log1p), StandardScaler(),
                                  LogisticRegression(max_iter=1000)),
        "boosting": HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1,
                                                   random_state=seed),
    }
    out: dict[str, Any] = {"n": len(y), "positives": positives, "test_n": len(y_test),
                           "models": {}}
    with threadpool_limits(limits=1):
        for i, (key, model) in enumerate(models.items()):
            report(0.3 + 0.3 * i, f"Fitting {key}")
            model.fit(x_train, y_train)
            p = model.predict_proba(x_test)[:, 1]
            observed, predicted = calibration_curve(y_test, p, n_bins=5, strategy="quantile")
            out["models"][key] = {
                "auc": round(float(roc_auc_score(y_test, p)), 3),
                "brier": round(float(brier_score_loss(y_test, p)), 4),
                "calibration": [{"predicted": round(float(a), 3), "observed": round(float(b), 3)}
                                for a, b in zip(predicted, observed, strict=True)]}
    coefs = models["logistic"][-1].coef_[0]
    # The logistic model as numbers, so a person can be scored later (personalization's
    # prediction-band rules): log1p, then (x - mean) / scale, then the linear score.
    scaler, logistic = models["logistic"][1], models["logistic"][-1]
    out["scorer"] = {"features": [c.split(":", 1)[1] for c in frame.columns],
                     "mean": [float(v) for v in scaler.mean_],
                     "scale": [float(v) for v in scaler.scale_],
                     "coef": [float(v) for v in coefs], "intercept": float(logistic.intercept_[0])}
    findings = []
    for name, coef in zip(frame.columns, coefs, strict=True):
        did = frame[name].to_numpy() > 0
        rr = relative_risk(int(y[did].sum()), int(did.sum()), int(y[~did].sum()), int((~did).sum()))
        if rr is None:
            continue
        findings.append({"behaviour": name.split(":", 1)[1], "coef": round(float(coef), 3),
                         "did_n": int(did.sum()), "did_rate": round(float(y[did].mean()), 3),
                         "not_n": int((~did).sum()), "not_rate": round(float(y[~did].mean()), 3),
                         "rr": round(rr[0], 2), "ci": [round(rr[1], 2), round(rr[2], 2)]})
    # Strongest evidence first: how far the confidence interval stays from 1.
    findings.sort(key=lambda f: -max(math.log(max(f["ci"][0], 1e-9)),
                                     -math.log(max(f["ci"][1], 1e-9))))
    out["findings"] = findings[:8]
    return out


def run(session: Session, params: dict[str, Any], end: dt.datetime,
        progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Cohort, both models and the plain-language findings for one set of parameters
    (environment_id, outcome, event, early_days, horizon_days): a prediction job's result.
    Raises PredictError when the cohort does not allow a model."""
    frame, y = cohort(session, params["environment_id"], end, params["early_days"],
                      params["horizon_days"], params["outcome"], params.get("event"))
    result = fit(frame, y, progress=progress)
    result["sentences"] = [sentence(f, params["outcome"], params["early_days"], params.get("event"))
                           for f in result["findings"]]
    best = max(result["models"].values(), key=lambda m: m["auc"])
    return {"message": f"{result['n']:,} contacts, held-out AUC up to {best['auc']:.2f}",
            "params": params, "end": end.isoformat(), "prediction": result}


def sentence(finding: dict[str, Any], outcome: str, early_days: int, event: str | None) -> str:
    """“Users who do X in their first 14 days are 2.3 times as likely to churn …”"""
    what = "churn" if outcome == "churn" else f"do “{event}” later"
    rr = finding["rr"]
    ratio = f"{rr:.1f} times as likely" if rr >= 1 else f"{1 / rr:.1f} times less likely"
    significant = finding["ci"][0] > 1 or finding["ci"][1] < 1
    return (f"Users who do “{finding['behaviour']}” in their first {early_days} days are {ratio} "
            f"to {what} ({100 * finding['did_rate']:.0f}% of {finding['did_n']:,} vs "
            f"{100 * finding['not_rate']:.0f}% of {finding['not_n']:,}; 95% CI "
            f"{finding['ci'][0]:.2f}–{finding['ci'][1]:.2f}"
            + ("" if significant else ", could be chance") + ").")
