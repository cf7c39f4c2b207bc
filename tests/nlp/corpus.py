"""A small generator of realistic survey answers with known themes (tests only)."""

from __future__ import annotations

import random

THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "speed": (
        ("The dashboards are {adv} slow", "Reports take {dur} to load", "Loading the charts is {adv} slow",
         "Everything is sluggish when I open a big dashboard", "Page load times are {adv} bad",
         "The app gets slower every week, dashboards take {dur}"),
        ("really", "painfully", "so", "super", "incredibly"),
    ),
    "pricing": (
        ("The price is {adv} high for a small team", "Way too expensive for what we get",
         "Pricing per seat is {adv} steep", "The new pricing plan is hard to justify",
         "Cost went up {adv} much this year", "Too pricey compared to competitors"),
        ("way too", "really", "a bit", "far too", "quite"),
    ),
    "support": (
        ("Support answered {adv} quickly and solved my problem", "The support team is {adv} helpful",
         "Customer service was {adv} friendly and fast", "Great support, they replied within an hour",
         "Our account manager is {adv} responsive", "Support staff fixed my issue the same day"),
        ("very", "really", "super", "incredibly", "always"),
    ),
    "export": (
        ("Please add export to Excel", "CSV export is {adv} broken", "I need to export reports to PDF",
         "The export feature fails for large files", "Exporting data to CSV {adv} times out",
         "Would love a scheduled export of the reports"),
        ("often", "sometimes", "always", "regularly", "constantly"),
    ),
    "mobile": (
        ("The mobile app crashes {adv}", "The iOS app keeps logging me out", "Android app is {adv} buggy",
         "The app on my phone freezes {adv}", "Mobile version is missing most features",
         "The phone app is {adv} unusable"),
        ("constantly", "all the time", "every day", "often", "randomly"),
    ),
}
FILLER = ("n/a", "nothing", "no", "-", "idk", "Nothing to add", "asdf", "none", "...", "not sure")
FOREIGN = ("Das Dashboard ist sehr langsam und die Berichte laden nicht",
           "El precio es muy alto para nosotros", "Le support est très rapide et efficace",
           "De app is erg traag op mijn telefoon")
DUR = ("ages", "forever", "over a minute", "30 seconds", "way too long")


def answers(n: int, seed: int = 1, filler: int = 0, foreign: int = 0) -> tuple[list[str], list[str]]:
    """``n`` themed answers (plus filler / foreign ones) and their theme keys."""
    rng = random.Random(seed)
    keys = sorted(THEMES)
    texts, labels = [], []
    for i in range(n):
        key = keys[i % len(keys)]
        templates, advs = THEMES[key]
        t = rng.choice(templates).format(adv=rng.choice(advs), dur=rng.choice(DUR))
        r = rng.random()
        if r < 0.2:
            t = t.lower()
        elif r < 0.35:
            t += "!"
        elif r < 0.6:
            t += "."
        texts.append(t)
        labels.append(key)
    for i in range(filler):
        texts.append(FILLER[i % len(FILLER)])
        labels.append("filler")
    for i in range(foreign):
        texts.append(FOREIGN[i % len(FOREIGN)])
        labels.append("non_english")
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]
