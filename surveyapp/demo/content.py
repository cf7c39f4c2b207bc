"""What people write in the demo's open-text questions.

This is the part newcomers read first (quotes on the summary page)
and the part later NLP features (themes, sentiment, PII scrubbing, translation) are shown
off on, so it is built to defeat the tell-tale signs of fake data: the same sentence
repeated hundreds of times, uniform length, perfect spelling. Answers are assembled from
themed clauses with slot synonyms, several sentence shapes, casual styling, typos, filler,
a few non-English answers and a handful carrying fake contact details.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Literal

Polarity = Literal["neg", "pos"]

# ----------------------------------------------------------------------------- open text
# Slot values may contain slots themselves; {integration2} draws a second integration.
SLOTS: dict[str, tuple[str, ...]] = {
    "integration": ("Salesforce", "Slack", "BigQuery", "HubSpot", "Snowflake", "Jira", "Zapier",
                    "Segment", "Microsoft Teams", "Intercom", "Redshift", "Google Sheets"),
    "dash": ("dashboards", "the dashboards", "our dashboards", "reports", "charts",
             "the reports"),
    "big_dash": ("the main dashboard", "our weekly KPI dashboard", "the revenue dashboard",
                 "dashboards with more than a few charts", "the funnel view",
                 "the retention report", "anything with a long date range"),
    "seconds": ("10 seconds", "20+ seconds", "almost a minute", "30 secs", "15-20 seconds",
                "forever", "ages", "over a minute"),
    "slow": ("slow", "really slow", "super slow", "sluggish", "painfully slow",
             "slower and slower", "so slow"),
    "price": ("the price", "pricing", "the cost", "the per-seat pricing", "the new pricing",
              "the Pro plan"),
    "expensive": ("too expensive", "way too pricey", "overpriced", "hard to justify",
                  "a lot for a small team", "more than we can justify", "steep"),
    "team": ("a small team", "a startup", "a team of 5", "a non-profit", "an agency",
             "a bootstrapped company"),
    "easy": ("easy", "simple", "intuitive", "straightforward", "really easy", "super simple"),
    "support_people": ("the support team", "support", "customer support",
                       "your support folks", "the team on chat", "our account manager"),
    "quick": ("quickly", "within an hour", "the same day", "in minutes", "super fast",
              "incredibly fast"),
    "export": ("CSV export", "the CSV export", "exporting to CSV", "the export feature",
               "the scheduled export", "the weekly email report"),
    "setup_thing": ("the tracking snippet", "connecting our data source", "the setup wizard",
                    "getting events to show up", "configuring the SDK",
                    "the data source setup", "mapping our user ids", "connecting {integration}"),
    "crash": ("crashes", "freezes", "throws an error", "shows a blank page", "logs me out",
              "hangs"),
    "when": ("when I filter by date", "when I open a big report", "every time I switch workspaces",
             "when I share a report", "on Safari", "after the last update", "randomly",
             "when I duplicate a dashboard"),
    "mobile_thing": ("the mobile app", "the iOS app", "the app on my phone", "the Android app",
                     "mobile"),
    "docs": ("the API docs", "the documentation", "the API reference", "the SDK docs",
             "the docs"),
    "weeks": ("two weeks", "a week", "three days", "almost a month", "several days"),
    "days": ("three days", "a week", "4 days", "over a week", "two days"),
    "events": ("2 million", "500k", "10M", "a few million", "around 3 million"),
}
SLOTS["integration2"] = SLOTS["integration"]


@dataclass(frozen=True)
class Theme:
    """Clauses (complete thoughts, no final punctuation) about one topic, per polarity."""

    key: str
    neg: tuple[str, ...] = ()
    pos: tuple[str, ...] = ()
    neg_short: tuple[str, ...] = ()
    pos_short: tuple[str, ...] = ()
    neg_detail: tuple[str, ...] = ()
    pos_detail: tuple[str, ...] = ()

    def clauses(self, polarity: Polarity) -> tuple[str, ...]:
        return self.neg if polarity == "neg" else self.pos

    def shorts(self, polarity: Polarity) -> tuple[str, ...]:
        return self.neg_short if polarity == "neg" else self.pos_short

    def details(self, polarity: Polarity) -> tuple[str, ...]:
        return self.neg_detail if polarity == "neg" else self.pos_detail


THEMES: dict[str, Theme] = {t.key: t for t in (
    Theme(
        "pricing",
        neg=("{price} is {expensive}", "{price} went up at renewal and nobody told us",
             "paying per seat adds up fast for {team}",
             "the free plan is too limited to really evaluate it",
             "we only use a fraction of the features but pay for all of them",
             "{price} is {expensive} compared to other tools we tried",
             "you have to jump to Enterprise just to get SSO",
             "the jump from free to Pro is huge"),
        pos=("the pricing is fair for what you get", "the free plan is generous",
             "it's cheaper than what we used before"),
        neg_short=("too expensive", "pricing", "the price", "$$$", "cost",
                   "expensive for what it is", "seat pricing", "price increase"),
        pos_short=("fair price", "good value", "value for money"),
        neg_detail=("We are {team} and every extra seat hurts.",
                    "Hard to get budget approved for next year.",
                    "We're looking at alternatives because of this.",
                    "A cheaper tier for viewers would help a lot.",
                    "Please consider a plan for smaller teams."),
        pos_detail=("Finance didn't even push back on the renewal.",),
    ),
    Theme(
        "performance",
        neg=("{dash} are {slow}", "{big_dash} takes {seconds} to load",
             "loading {dash} takes {seconds}", "everything got {slow} after the last update",
             "filters take ages to apply on {big_dash}",
             "queries time out on larger date ranges",
             "it gets {slow} once you have more than a few million events"),
        pos=("{dash} load {quick}", "it's really fast even with lots of data",
             "queries come back in a second or two",
             "it's much faster than the tool we had before",
             "{big_dash} loads instantly now"),
        neg_short=("slow", "too slow", "performance", "loading times", "slow dashboards",
                   "speed", "laggy", "{dash} are {slow}"),
        pos_short=("speed", "fast", "super fast", "performance", "how fast it is"),
        neg_detail=("We have around {events} events a month, not that much.",
                    "My team has stopped opening it in meetings because of the wait.",
                    "It used to be fast a few months ago.",
                    "Caching the results would help.",
                    "It's the main reason people here complain about it."),
        pos_detail=("Even with {events} events a month it doesn't break a sweat.",
                    "Our old tool needed a coffee break for every query."),
    ),
    Theme(
        "integrations",
        neg=("there's no {integration} integration", "still no native {integration} integration",
             "the {integration} integration keeps disconnecting",
             "we need {integration} and {integration2} integrations",
             "syncing with {integration} is flaky",
             "getting data out to {integration} needs a workaround",
             "the {integration} connector only syncs once a day"),
        pos=("the {integration} integration just works", "connecting {integration} took five minutes",
             "it plugs into {integration} and {integration2}",
             "the {integration} alerts keep the whole team in the loop"),
        neg_short=("{integration} integration", "integrations", "no {integration}",
                   "missing integrations", "{integration}!!", "{integration} sync"),
        pos_short=("integrations", "the {integration} integration", "{integration} alerts"),
        neg_detail=("Right now we export CSVs and upload them by hand.",
                    "Our sales team lives in {integration}.",
                    "This is a blocker for rolling it out to the rest of the company.",
                    "We had to build our own connector with the API.",
                    "Every competitor seems to have this."),
        pos_detail=("Nobody on the team has to log in to see the numbers anymore.",),
    ),
    Theme(
        "onboarding",
        neg=("{setup_thing} was confusing", "I had no idea what to do after signing up",
             "{setup_thing} took way longer than expected",
             "setting up the first dashboard was harder than it should be",
             "the onboarding assumes you already know the product",
             "I got stuck on {setup_thing}", "it took us {weeks} to get {setup_thing} right",
             "the setup steps don't explain why you need them"),
        pos=("setup took less than ten minutes", "the onboarding wizard was really clear",
             "we were up and running in a day", "{setup_thing} was painless"),
        neg_short=("setup", "onboarding", "{setup_thing}", "getting started", "the setup",
                   "installing the snippet"),
        pos_short=("easy setup", "quick setup", "nothing, setup was easy",
                   "nothing really", "honestly nothing", "none, it was smooth"),
        neg_detail=("An example dashboard to start from would help.",
                    "I ended up watching a YouTube video to figure it out.",
                    "The wizard skipped a step we needed.", "Had to ask a developer to help.",
                    "A checklist would make it much clearer.",
                    "The error message didn't say what was wrong."),
        pos_detail=("The checklist on the home page made it obvious what to do next.",),
    ),
    Theme(
        "support",
        neg=("{support_people} took {days} to reply", "my ticket was closed without an answer",
             "support only answers with links to the docs"),
        pos=("{support_people} is incredibly helpful",
             "{support_people} replied {quick} and fixed my problem",
             "{support_people} went above and beyond",
             "whenever I ask a question {support_people} answers {quick}"),
        neg_short=("support", "slow support"),
        pos_short=("support", "great support", "customer support", "the support team",
                   "your support"),
        neg_detail=("For what we pay I expected better.",),
        pos_detail=("Whoever was on chat last Tuesday was amazing.",
                    "Best support of any SaaS tool we use.", "They even jumped on a call with us.",
                    "Rare these days."),
    ),
    Theme(
        "ease_of_use",
        neg=("the UI is cluttered", "there are too many menus",
             "I can never find where the settings are", "the filter panel is confusing",
             "it takes too many clicks to build a simple chart"),
        pos=("it's {easy} to use", "the UI is clean and {easy}",
             "my whole team picked it up without training", "everything is where you expect it",
             "it is {easy} to build a chart", "even our sales people use it without help"),
        neg_short=("UI", "too complicated", "navigation", "confusing menus"),
        pos_short=("easy to use", "ease of use", "simplicity", "clean UI", "user friendly",
                   "intuitive", "the design"),
        neg_detail=("New people on the team always ask me where things are.",),
        pos_detail=("No manual needed.", "Clean design, no clutter.",
                    "My non-technical colleagues love it too."),
    ),
    Theme(
        "reporting",
        neg=("{export} is broken for large reports", "the CSV export drops columns",
             "{export} times out", "I can't schedule {export} to email",
             "exported dates are in the wrong time zone", "the export only gives 10k rows"),
        pos=("{export} saves me hours every week",
             "scheduled reports land in my inbox every Monday",
             "sharing reports with clients is {easy}",
             "the CSV export is exactly what our finance team needs"),
        neg_short=("export", "CSV export", "reports", "exports"),
        pos_short=("reports", "CSV export", "scheduled reports", "exports", "reporting"),
        neg_detail=("We need this for our monthly board report.",
                    "I end up copying numbers into a spreadsheet by hand."),
        pos_detail=("Our board deck practically builds itself now.",),
    ),
    Theme(
        "bugs",
        neg=("the app {crash} {when}", "{dash} {crash} {when}",
             "I lose my changes when the page {crash}", "charts show wrong numbers {when}",
             "there are a lot of small bugs lately", "the date picker {crash} {when}"),
        neg_short=("bugs", "crashes", "buggy", "errors", "too many bugs"),
        neg_detail=("I reported it twice already.", "Refreshing fixes it sometimes.",
                    "It's been like this for weeks.", "Happens in Chrome and Firefox.",
                    "Makes it hard to trust the numbers."),
    ),
    Theme(
        "mobile",
        neg=("{mobile_thing} is basically unusable", "there's no proper mobile app",
             "{dash} don't work on my phone", "{mobile_thing} keeps logging me out",
             "charts are unreadable on mobile"),
        pos=("checking numbers on {mobile_thing} is handy",),
        neg_short=("mobile app", "mobile", "no mobile app", "phone", "{mobile_thing}"),
        pos_short=("the mobile app",),
        neg_detail=("I mostly check numbers on the train.",
                    "Half my team only looks at it on their phones."),
    ),
    Theme(
        "api",
        neg=("{docs} are outdated", "{docs} are missing examples",
             "the API rate limits are too strict",
             "{docs} don't match the actual responses",
             "pagination in the API isn't documented"),
        pos=("the API is well designed", "the API lets us automate everything",
             "{docs} are clear and the API just works", "we pipe everything through the API"),
        neg_short=("API docs", "docs", "documentation", "api limits"),
        pos_short=("the API", "API", "api access", "the API docs"),
        neg_detail=("I had to read the SDK source to find the right parameter.",
                    "A Python example would go a long way."),
        pos_detail=("Took an afternoon to wire it into our warehouse.",),
    ),
    Theme(
        "dashboards",
        neg=("there are not enough chart types", "I can't customise colours on {dash}",
             "there's no way to put two metrics on one axis"),
        pos=("{dash} look great", "building {dash} is fun",
             "I can see all our KPIs in one place",
             "the dashboards give the whole team the same numbers",
             "the funnel and retention charts are spot on"),
        neg_short=("chart types", "more charts"),
        pos_short=("dashboards", "the dashboards", "charts", "visualisations", "funnels",
                   "retention charts"),
        pos_detail=("We put it on the TV in the office.",
                    "Our weekly meeting starts with it."),
    ),
)}

OPENERS = {
    "neg": ("Honestly, ", "Tbh ", "To be honest, ", "Mostly that ", "For me ", "Mainly ",
            "The fact that ", "Biggest issue: ", "Hmm, ", "Well, "),
    "pos": ("Honestly, ", "Definitely ", "I love that ", "Really like that ", "For me ",
            "Simply that ", "The fact that ", "Easily "),
}
CLOSERS = {
    "neg": ("Please fix this.", "Otherwise it's a great tool.", "Would recommend otherwise.",
            "Thinking about switching because of it.", "That's all.", "Hope this helps.",
            "Not a dealbreaker yet.", "Really frustrating."),
    "pos": ("Keep up the good work!", "Thanks!", "Great job.", "Keep it up.",
            "Best tool we use.", "10/10.", "Thank you team!"),
}
TAILS = {
    "neg": (", which is annoying", " and it's getting worse", ", honestly",
            " and nobody seems to care", ", every single time"),
    "pos": (", honestly", " and it just works", ", which is rare", " every day"),
}
FILLER = ("n/a", "N/A", "nothing", "Nothing.", "-", "no", "No", "asdf", "no comment", "idk",
          ".", "nope", "nothing really", "not sure", "na", "...", "none", "Nothing to add")

# Non-English answers, by language and theme (the demo's locales are en, de, fr, es, pt).
FOREIGN: dict[str, dict[str, dict[Polarity, tuple[str, ...]]]] = {
    "de": {
        "pricing": {"neg": ("Viel zu teuer für ein kleines Team.",
                            "Der Preis ist seit der Verlängerung deutlich gestiegen.")},
        "performance": {"neg": ("Die Dashboards laden extrem langsam.",
                                "Alles ist seit dem letzten Update sehr langsam.")},
        "integrations": {"neg": ("Uns fehlt eine Integration mit {integration}.",)},
        "onboarding": {"neg": ("Die Einrichtung war ziemlich verwirrend.",)},
        "bugs": {"neg": ("Die App stürzt ständig ab, wenn ich Berichte öffne.",)},
        "support": {"pos": ("Der Support ist super schnell und hilfsbereit!",)},
        "ease_of_use": {"pos": ("Sehr einfach zu bedienen, tolles Design.",
                              "Übersichtlich und intuitiv.")},
        "dashboards": {"pos": ("Die Dashboards sind klasse, alle KPIs auf einen Blick.",)},
    },
    "fr": {
        "pricing": {"neg": ("Trop cher pour une petite équipe.", "Le prix a beaucoup augmenté.")},
        "performance": {"neg": ("Les tableaux de bord sont très lents à charger.",)},
        "integrations": {"neg": ("Il manque une intégration avec {integration}.",)},
        "onboarding": {"neg": ("La configuration initiale n'est pas claire du tout.",)},
        "mobile": {"neg": ("L'application mobile est inutilisable.",)},
        "support": {"pos": ("Le support client est génial, réponse en quelques minutes.",)},
        "ease_of_use": {"pos": ("Très simple à utiliser, interface propre.",)},
        "reporting": {"pos": ("L'export CSV nous fait gagner beaucoup de temps.",)},
    },
    "es": {
        "pricing": {"neg": ("Es demasiado caro para nosotros.",)},
        "performance": {"neg": ("Los paneles tardan mucho en cargar.",)},
        "integrations": {"neg": ("Falta la integración con {integration}.",)},
        "onboarding": {"neg": ("La configuración inicial fue confusa.",)},
        "bugs": {"neg": ("Se cuelga a menudo cuando filtro por fecha.",)},
        "support": {"pos": ("El equipo de soporte es muy amable y rápido.",)},
        "ease_of_use": {"pos": ("Muy fácil de usar, me encanta.",)},
        "dashboards": {"pos": ("Los dashboards son muy claros y bonitos.",)},
    },
    "pt": {
        "pricing": {"neg": ("O preço está muito alto para equipes pequenas.",)},
        "performance": {"neg": ("Os dashboards estão muito lentos.",)},
        "integrations": {"neg": ("Falta integração com o {integration}.",)},
        "onboarding": {"neg": ("Achei a configuração inicial bem confusa.",)},
        "mobile": {"neg": ("O aplicativo no celular não funciona direito.",)},
        "support": {"pos": ("O suporte é excelente, responderam super rápido.",)},
        "ease_of_use": {"pos": ("Muito fácil de usar, interface limpa.",)},
        "api": {"pos": ("A API é ótima e bem documentada.",)},
    },
}


class _TemplateSet:
    """``text in NON_ENGLISH`` is true for any filled-in FOREIGN template."""

    def __init__(self, templates: list[str]) -> None:
        self._patterns = [re.compile(".+?".join(re.escape(part) for part in
                                                re.split(r"\{\w+\}", t)) + "$")
                          for t in templates]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(p.match(text) for p in self._patterns)


NON_ENGLISH = _TemplateSet([s for themes in FOREIGN.values() for by_polarity in themes.values()
                            for options in by_polarity.values() for s in options])

# Fake contact details (reserved example domains, fictional 555 / 020 7946 numbers).
FAKE_PII = ("Feel free to call me at jane.doe@example.com",
            "You can reach me at m.rossi@example.org if you want more details.",
            "call me: +1 (555) 013-4477", "My number is 555-0199, happy to talk.",
            "email me at tom.baker@example.net or ring +44 20 7946 0958",
            "Happy to jump on a call, my email is priya.k@example.com.",
            "Ping me at alex_w@example.com",
            "My direct line is +1 555 0142.")

COMMON_MISSPELLINGS = {"definitely": "definately", "really": "realy", "dashboard": "dashbaord",
                       "integration": "intergration", "because": "becuase",
                       "separate": "seperate", "their": "there", "expensive": "expensve",
                       "support": "suport", "which": "wich", "annoying": "anoying",
                       "onboarding": "onbording", "it's": "its", "don't": "dont"}
_SLOT = re.compile(r"\{(\w+)\}")
_WORD = re.compile(r"[A-Za-z']{4,}")


@dataclass
class TextWriter:
    """Writes open-text answers from one random stream, so the demo is reproducible."""

    rng: random.Random
    pii_every: int = 90  # roughly one answer in this many carries fake contact details
    written: int = field(default=0, init=False)

    # -- public ------------------------------------------------------------------------
    def answer(self, themes: dict[str, float], polarity: Polarity, lang: str = "en",
               mixed_with: dict[str, float] | None = None) -> str:
        """One answer about a theme drawn from ``themes`` (weights) with ``polarity``.

        ``lang`` is the respondent's language; non-English speakers answer in English
        most of the time, as they do in real products. ``mixed_with`` gives themes of the
        opposite polarity for "love X but Y" answers.
        """
        rng = self.rng
        if rng.random() < 0.08:
            return rng.choice(FILLER)
        theme = THEMES[_pick(rng, themes)]
        if lang in FOREIGN and rng.random() < 0.25:
            text = self._foreign(lang, theme, polarity)
            if text:
                return text
        if mixed_with and rng.random() < 0.35:
            other = THEMES[_pick(rng, mixed_with)]
            text = self._mixed(theme, polarity, other)
        else:
            text = self._plain(theme, polarity, themes)
        text = self._style(text)
        self.written += 1
        if self.written % self.pii_every == 7:
            text = f"{text.rstrip()} {rng.choice(FAKE_PII)}"
        return text

    # -- shapes ------------------------------------------------------------------------
    def _plain(self, theme: Theme, polarity: Polarity, themes: dict[str, float]) -> str:
        rng = self.rng
        clauses, shorts, details = (theme.clauses(polarity), theme.shorts(polarity),
                                    theme.details(polarity))
        if not clauses:  # a theme with one polarity only (bugs cannot be praised)
            polarity = "neg" if polarity == "pos" else "pos"
            clauses, shorts, details = (theme.clauses(polarity), theme.shorts(polarity),
                                        theme.details(polarity))
        clause = self._fill(rng.choice(clauses))
        shape = rng.random()
        if shape < 0.18 and shorts:
            return self._fill(rng.choice(shorts))
        if shape < 0.40:
            return _sentence(clause, rng.choice(".!" if polarity == "pos" else ".."))
        if shape < 0.52:
            return _sentence(rng.choice(OPENERS[polarity]) + clause, ".")
        if shape < 0.62:
            return _sentence(clause + rng.choice(TAILS[polarity]), ".")
        if shape < 0.80 and details:
            return _sentence(clause, ".") + " " + self._fill(rng.choice(details))
        if shape < 0.90:
            second = THEMES[_pick(rng, themes)]
            second_clauses = second.clauses(polarity) or second.clauses(_flip(polarity))
            joiner = rng.choice((". Also ", ", and ", ". Plus ", "; also "))
            second_clause = self._fill(rng.choice(second_clauses))
            if second_clause != clause:
                return _sentence(clause + joiner + second_clause, ".")
        # the long form: clause, detail and a closing remark (3-4 sentences)
        parts = [_sentence(clause, ".")]
        if details:
            parts.append(self._fill(rng.choice(details)))
        if rng.random() < 0.5:
            extra = self._fill(rng.choice(clauses))
            if extra != clause:
                parts.append(_sentence(extra, "."))
        parts.append(rng.choice(CLOSERS[polarity]))
        return " ".join(parts)

    def _mixed(self, theme: Theme, polarity: Polarity, other: Theme) -> str:
        """'Love X but Y is painful': one thought of each polarity, the main one last."""
        rng = self.rng
        opposite = _flip(polarity)
        main = self._fill(rng.choice(theme.clauses(polarity) or theme.clauses(opposite)))
        aside = self._fill(rng.choice(other.clauses(opposite) or other.clauses(polarity)))
        if polarity == "neg":
            forms = (f"I love that {aside} but {main}", f"{aside}, but {main}",
                     f"Great product overall, but {main}", f"{main}. Still, {aside}",
                     f"{aside}. However {main}", f"{aside} - shame that {main}")
        else:
            forms = (f"{main}, even though {aside}", f"{main}. My only complaint: {aside}",
                     f"{main} but {aside}", f"{aside}, but honestly {main}")
        return _sentence(rng.choice(forms), ".")

    def _foreign(self, lang: str, theme: Theme, polarity: Polarity) -> str | None:
        table = FOREIGN.get(lang, {})
        options = table.get(theme.key, {}).get(polarity)
        if not options:  # fall back to any same-polarity answer in that language
            options = tuple(s for t in table.values() for s in t.get(polarity, ()))
        return self._fill(self.rng.choice(options)) if options else None

    # -- surface -----------------------------------------------------------------------
    def _fill(self, template: str) -> str:
        for _ in range(3):
            if "{" not in template:
                break
            template = _SLOT.sub(lambda m: self.rng.choice(SLOTS[m.group(1)]), template)
        return template

    def _style(self, text: str) -> str:
        """Casual writing: lower case, missing full stops, typos (about 10% of answers)."""
        rng = self.rng
        if rng.random() < 0.18:
            text = text.lower()
        if rng.random() < 0.22:
            text = text.rstrip(".")
        if rng.random() < 0.10:
            text = self._typo(text)
        return text

    def _typo(self, text: str) -> str:
        rng = self.rng
        words = list(_WORD.finditer(text))
        if not words:
            return text
        for word in words:
            fixed = COMMON_MISSPELLINGS.get(word.group().lower())
            if fixed and rng.random() < 0.6:
                return text[:word.start()] + fixed + text[word.end():]
        m = rng.choice(words)
        w, i = m.group(), rng.randrange(1, len(m.group()) - 1)
        op = rng.randrange(3)
        if op == 0:  # swapped letters
            w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif op == 1:  # dropped letter
            w = w[:i] + w[i + 1:]
        else:  # doubled letter
            w = w[:i] + w[i] + w[i:]
        return text[:m.start()] + w + text[m.end():]


def _sentence(text: str, end: str) -> str:
    text = text.strip()
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + end


def _flip(polarity: Polarity) -> Polarity:
    return "pos" if polarity == "neg" else "neg"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def is_filler(text: str) -> bool:
    return text in FILLER


def foreign_texts() -> set[str]:
    """Every non-English answer the writer can produce (for tests and language checks)."""
    out: set[str] = set()
    for themes in FOREIGN.values():
        for by_polarity in themes.values():
            for template in (t for texts in by_polarity.values() for t in texts):
                values = SLOTS["integration"] if "{integration}" in template else ("",)
                out |= {template.replace("{integration}", v) for v in values}
    return out
