"""Property tests (hypothesis): whatever arrives from the public internet, answer
validation and branching behave. A short profile runs in CI; HYPOTHESIS_PROFILE=long
runs more examples."""

from __future__ import annotations

import datetime as dt
import os

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from surveyapp.demo import surveys as demo
from surveyapp.surveys.definition import (
    ATTRIBUTE_OPS,
    DISPLAY_LIMITS,
    TRIGGERS,
    URL_MATCHES,
    DefinitionError,
    InvalidResponse,
    path,
    validate_definition,
    validate_response,
)

settings.register_profile("ci", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEFINITIONS = [validate_definition(d) for d in (demo.PRODUCT_NPS, demo.DASHBOARDS_FEEDBACK,
                                                  demo.ONBOARDING_CES, demo.BETA_SIGNUP)]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True)
    | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10)


def answer_keys(definition):
    ids = [q["id"] for q in definition["questions"]]
    return st.sampled_from(ids) | st.text(max_size=12)


@given(data=st.data(), which=st.integers(0, len(DEFINITIONS) - 1), finished=st.booleans())
def test_any_json_answers_are_either_accepted_and_stable_or_refused_cleanly(data, which, finished):
    definition = DEFINITIONS[which]
    answers = data.draw(st.dictionaries(answer_keys(definition), JSON, max_size=6))
    try:
        clean = validate_response(definition, answers, finished)
    except InvalidResponse as exc:
        assert exc.fields and all(isinstance(v, str) for v in exc.fields.values())
        return
    # What was accepted is normalised: validating it again changes nothing.
    assert validate_response(definition, clean, finished) == clean
    assert set(clean) <= {q["id"] for q in definition["questions"]}


@given(data=st.data(), which=st.integers(0, len(DEFINITIONS) - 1))
def test_every_path_moves_forward_and_ends(data, which):
    definition = DEFINITIONS[which]
    answers = data.draw(st.dictionaries(answer_keys(definition), JSON, max_size=6))
    order = [q["id"] for q in definition["questions"]]
    visited = path(definition, answers)
    assert visited and visited[0] == order[0]
    positions = [order.index(q) for q in visited]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)


@given(definition=st.dictionaries(
    st.sampled_from(["questions", "logic", "targeting", "appearance", "thank_you", "locales",
                     "default_locale", "other"]), JSON, max_size=5))
def test_any_definition_is_either_valid_or_refused_with_a_location(definition):
    try:
        validate_definition(definition)
    except DefinitionError as exc:
        assert exc.fields and str(exc)


def _maybe(strategy):
    """Mostly the plausible shape (with bad values inside), sometimes any JSON at all."""
    return st.one_of(strategy, strategy, strategy, JSON)


WHEN = st.datetimes(timezones=st.none() | st.just(dt.UTC)).map(dt.datetime.isoformat)
TARGETING = st.fixed_dictionaries({}, optional={
    "urls": _maybe(st.lists(st.fixed_dictionaries(
        {"match": st.sampled_from([*URL_MATCHES, "bogus"]), "value": st.text(max_size=12)},
        optional={"exclude": st.booleans()}), max_size=3)),
    "attributes": _maybe(st.lists(st.fixed_dictionaries(
        {"key": st.text(max_size=8), "op": st.sampled_from([*ATTRIBUTE_OPS, "bogus"])},
        optional={"value": JSON}), max_size=3)),
    "segment": _maybe(st.integers(1, 50) | st.text(max_size=6)),
    "sampling": _maybe(st.floats(-1, 120) | st.integers(-1, 120)),
    "display_limit": _maybe(st.fixed_dictionaries(
        {"mode": st.sampled_from([*DISPLAY_LIMITS, "bogus"])}, optional={"times": st.integers(-1, 120)})),
    "recontact_days": _maybe(st.integers(-1, 400)),
    "response_cap": _maybe(st.integers(-1, 10**8)),
    "schedule": _maybe(st.fixed_dictionaries({}, optional={"start": WHEN, "end": WHEN})),
    "trigger": _maybe(st.fixed_dictionaries({"type": st.sampled_from([*TRIGGERS, "bogus"])}, optional={
        "name": st.text(max_size=8), "selector": st.sampled_from(["#upgrade", ".buy", "", "!!"]),
        "percent": st.integers(-5, 120), "seconds": st.integers(-5, 4000)})),
})


@given(targeting=TARGETING)
def test_any_targeting_is_either_normalised_and_stable_or_refused_with_its_place(targeting):
    base = {"questions": [{"id": "score", "type": "nps", "title": "How likely?"}]}
    try:
        clean = validate_definition({**base, "targeting": targeting})
    except DefinitionError as exc:
        event("refused")
        assert exc.fields and all(k.startswith("targeting") for k in exc.fields), exc.fields
        return
    event("accepted")
    # Accepted targeting is normalised: validating it again changes nothing.
    assert validate_definition(clean)["targeting"] == clean["targeting"]
