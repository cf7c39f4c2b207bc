"""A small, deterministic set of survey-style sentences with sentiment labels.

Tweets and product reviews teach the classifier how people express feelings, but not
what a *neutral* survey answer looks like (feature requests, descriptions of use,
"it's fine"). These templated sentences add that domain to the training mix. They are
generated here (no external data) and are deliberately generic: the aspects are product
nouns, not the demo data's phrasing.
"""

from __future__ import annotations

import itertools
import random

ASPECTS = (
    "the dashboard", "the reports", "the search", "the export", "the mobile app", "the editor",
    "the onboarding", "the pricing", "support", "the documentation", "the API", "the login",
    "the notifications", "the integrations", "the settings page", "the charts", "billing",
    "the new design", "the calendar view", "the import tool", "sharing", "the templates",
    "the permissions", "the filters", "the checkout", "the app", "the product", "the team",
)

POSITIVE = (
    "I love {a}", "{A} is great", "{A} works really well", "really happy with {a}",
    "{A} is fast and easy to use", "{A} is excellent", "great job on {a}", "{A} saves me hours",
    "{A} is super intuitive", "big fan of {a}", "{A} is the best part", "{A} just works",
    "{A} is amazing, thank you", "very pleased with {a}", "{A} has improved a lot, nice work",
    "{A} is simple and reliable", "{A} made my life easier", "{A} is brilliant",
    "I'm impressed by {a}", "{A} is helpful and quick", "love how clean {a} is",
    "{A} is fantastic", "{A} works perfectly for us", "really enjoy using {a}",
)
NEGATIVE = (
    "{A} is too slow", "{A} keeps crashing", "{A} is confusing", "I hate {a}",
    "{A} is broken again", "{A} is a mess", "{A} is really frustrating",
    "{A} is way too expensive", "{A} never loads", "{A} is terrible", "{A} is useless",
    "{A} is buggy and unreliable", "{A} takes forever", "{A} is awful",
    "really disappointed with {a}", "{A} makes no sense", "{A} constantly fails",
    "{A} lost my data", "{A} is painfully slow", "{A} is a nightmare to use",
    "{A} got worse after the update", "sick of {a} timing out", "{A} is so annoying",
    "{A} is clunky and outdated",
)
NEUTRAL = (
    "I mostly use {a}", "we use {a} every week", "{A} is okay", "{A} is fine I guess",
    "it would be nice to have more options in {a}", "could you add dark mode to {a}",
    "please add an option to {a}", "I use {a} for weekly reporting",
    "{A} does what it says", "no strong opinion on {a}", "I haven't tried {a} yet",
    "{A} is average", "we only use {a} occasionally", "{A} is about what I expected",
    "maybe add keyboard shortcuts to {a}", "I would like to see {a} in other languages",
    "how do I change {a}", "{A} is used by our sales team", "still getting used to {a}",
    "{A} is neither good nor bad", "we are evaluating {a}", "I use {a} on my laptop",
    "would it be possible to schedule {a}", "{A} is standard", "any plans to update {a}",
)

EXTRA = {
    "positive": (
        "Really love this tool", "Great product, thank you!", "works perfectly",
        "Excellent service", "very easy to use", "Best tool we have", "Keep it up!",
        "Awesome, no complaints", "Super helpful team", "it's brilliant",
    ),
    "negative": (
        "Terrible, it freezes every day", "Too slow", "it's unusable", "Way too expensive",
        "Awful experience", "Very disappointed", "nothing works", "It's a waste of money",
        "Horrible customer service", "crashes constantly",
    ),
    "neutral": (
        "It's okay", "fine", "We use it for reporting", "Would like an API",
        "average", "Not sure yet, still testing", "depends on the day", "we only just started",
        "It does the job", "Please add SSO",
    ),
}


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def seed_examples(seed: int = 13, per_class: int = 500) -> list[tuple[str, str]]:
    """``per_class`` (text, label) pairs per class plus a few short fixed answers."""
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for label, templates in (("positive", POSITIVE), ("negative", NEGATIVE), ("neutral", NEUTRAL)):
        combos = list(itertools.product(templates, ASPECTS))
        rng.shuffle(combos)
        for tpl, aspect in combos[:per_class]:
            text = tpl.format(a=aspect, A=_cap(aspect))
            text = _cap(text)
            r = rng.random()
            if r < 0.2:
                text += "."
            elif r < 0.3:
                text += "!" if label != "neutral" else "?" if text.lower().startswith(("how", "any", "would", "could")) else "."
            elif r < 0.4:
                text = text.lower()
            out.append((text, label))
        out.extend((t, label) for t in EXTRA[label])
    return out
