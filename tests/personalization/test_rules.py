"""Rule evaluation and definition checks, on plain values (no database)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveyapp.personalization import rules
from surveyapp.personalization.decide import in_holdout
from surveyapp.personalization.rules import DictProfile, evaluate

SCHEMA = {"type": "object", "required": ["title"], "additionalProperties": False,
          "properties": {"title": {"type": "string", "maxLength": 40}}}


def definition(**over):
    d = {"schema": SCHEMA,
         "variants": {"basic": {"title": "Start here"}, "export": {"title": "Try export"},
                      "pricing": {"title": "See plans"}},
         "default": "basic",
         "rules": [{"if": [{"page": "/pricing"}], "then": "pricing"},
                   {"if": [{"segment": "power", "name": "Power users"},
                           {"event": "export", "days": 7}], "then": "export"},
                   {"if": [{"attribute": "plan", "op": "in", "value": ["pro", "team"]}],
                    "then": "export"}]}
    d.update(over)
    return d


def test_first_matching_rule_wins_and_says_why_in_plain_words():
    d = rules.check(definition())
    power = DictProfile(segments={"power"}, events={("export", 7): 2})
    choice = evaluate(d, power)
    assert (choice.variant, choice.rule) == ("export", 1)
    assert choice.reason == ("You are seeing this because you are in the group “Power users” "
                             "and you did “export” in the last 7 days.")
    # On the pricing page the first rule wins even for a power user.
    on_pricing = DictProfile(segments={"power"}, events={("export", 7): 2}, page="/pricing/teams")
    assert evaluate(d, on_pricing).variant == "pricing"
    assert "on the page /pricing" in evaluate(d, on_pricing).reason
    # Every condition of a rule must hold: a power user who did not export falls through.
    assert evaluate(d, DictProfile(segments={"power"})).variant == "basic"
    anon_pro = DictProfile(attributes={"plan": "team"})
    assert evaluate(d, anon_pro).reason == ("You are seeing this because your plan is one of "
                                            "“pro”, “team”.")
    nobody = evaluate(d, DictProfile())
    assert (nobody.variant, nobody.rule, nobody.reason) == ("basic", None, rules.DEFAULT_REASON)


@pytest.mark.parametrize(("cond", "profile", "expected"), [
    ({"attribute": "seats", "op": "gt", "value": 10}, {"seats": 11}, True),
    ({"attribute": "seats", "op": "gt", "value": 10}, {"seats": "11"}, False),  # text is no number
    ({"attribute": "seats", "op": "lte", "value": 10}, {"seats": 10}, True),
    ({"attribute": "plan", "op": "ne", "value": "free"}, {}, True),
    ({"attribute": "plan", "op": "eq", "value": "free"}, {}, False),
    ({"attribute": "plan", "op": "exists"}, {"plan": None}, False),
    ({"attribute": "tags", "op": "contains", "value": "beta"}, {"tags": ["beta", "eu"]}, True),
    ({"attribute": "company", "op": "contains", "value": "acme"}, {"company": "ACME Ltd"}, True),
])
def test_attribute_operators(cond, profile, expected):
    assert rules.holds(cond, DictProfile(attributes=profile)) is expected


def test_event_history_counts_and_absence():
    did_twice = DictProfile(events={("export", 30): 2})
    assert rules.holds({"event": "export", "days": 30, "min_count": 2}, did_twice)
    assert not rules.holds({"event": "export", "days": 30, "min_count": 3}, did_twice)
    never = {"event": "invite", "days": 14, "absent": True}
    assert rules.holds(never, DictProfile())
    assert rules.words(never) == "you have not done “invite” in the last 14 days"


def test_a_definition_with_problems_names_each_of_them():
    bad = definition(default="nope", holdout_percent=80)
    bad["variants"]["export"] = {"title": "x" * 41}
    bad["variants"]["Bad Key"] = {"title": "y"}
    bad["rules"].append({"if": [{"attribute": "seats", "op": "gt", "value": "ten"}], "then": "basic"})
    bad["rules"].append({"if": [{"segment": "a", "page": "/b"}], "then": "ghost"})
    with pytest.raises(rules.DefinitionError) as err:
        rules.check(bad)
    fields = err.value.fields
    assert "maxLength" in fields["variants.export"] or "too long" in fields["variants.export"]
    assert set(fields) >= {"default", "holdout_percent", "variants.Bad Key", "rules[3].if[0]",
                           "rules[4].if[0]", "rules[4].then"}
    with pytest.raises(rules.DefinitionError) as err:
        rules.check(definition(schema={"type": "no-such-type"}))
    assert "schema" in err.value.fields


def test_holdout_is_deterministic_independent_of_the_slot_and_about_its_share():
    units = [f"u:{i}" for i in range(20000)]
    first = [in_holdout("tip", u, 10) for u in units]
    assert first == [in_holdout("tip", u, 10) for u in units]
    assert 0.09 < sum(first) / len(units) < 0.11
    other = [in_holdout("banner", u, 10) for u in units]
    both = sum(a and b for a, b in zip(first, other, strict=True)) / len(units)
    assert abs(both - 0.01) < 0.004  # independent draws
    assert not any(in_holdout("tip", u, 0) for u in units[:1000])


conditions = st.one_of(
    st.builds(lambda k: {"segment": k}, st.sampled_from(["a", "b", "c"])),
    st.builds(lambda v: {"attribute": "plan", "op": "eq", "value": v},
              st.sampled_from(["free", "pro"])),
    st.builds(lambda d, n: {"event": "export", "days": d, "min_count": n},
              st.sampled_from([1, 7]), st.integers(1, 3)),
    st.builds(lambda p: {"page": p}, st.sampled_from(["/", "/pricing", "/docs"])),
)
profiles = st.builds(
    lambda segs, plan, e1, e7, page: DictProfile(
        attributes={"plan": plan} if plan else {}, segments=set(segs), page=page,
        events={("export", 1): e1, ("export", 7): e1 + e7}),
    st.sets(st.sampled_from(["a", "b", "c"])), st.sampled_from([None, "free", "pro"]),
    st.integers(0, 3), st.integers(0, 3), st.sampled_from([None, "/", "/pricing/x", "/docs"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(conditions, min_size=1, max_size=3), max_size=5), profiles)
def test_property_the_choice_is_the_first_rule_whose_conditions_all_hold(rule_conds, profile):
    variants = {f"v{i}": {"title": f"t{i}"} for i in range(len(rule_conds))} | {"d": {"title": "d"}}
    d = rules.check({"schema": SCHEMA, "variants": variants, "default": "d",
                     "rules": [{"if": c, "then": f"v{i}"} for i, c in enumerate(rule_conds)]})
    before = copy.deepcopy(d)
    choice = evaluate(d, profile)
    assert d == before  # evaluation never changes the definition
    matching = [i for i, conds in enumerate(rule_conds)
                if all(rules.holds(c, profile) for c in conds)]
    if matching:
        assert (choice.rule, choice.variant) == (matching[0], f"v{matching[0]}")
        assert choice.reason.startswith("You are seeing this because ")
    else:
        assert (choice.rule, choice.variant, choice.reason) == (None, "d", rules.DEFAULT_REASON)
    assert choice.variant in variants
