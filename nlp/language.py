"""Which language an answer is written in (issue #20, item 6).

:func:`detect` uses the Lingua detector (PyPI ``lingua-language-detector``, Apache-2.0; its
n-gram models ship inside the wheel, nothing downloads). Lingua is chosen over
``langdetect`` because it is built for short text (one-line survey answers are its stated
use), it is deterministic (``langdetect`` samples at random unless seeded per call) and it
can abstain: with a minimum relative distance between the two likeliest languages it says
"unsure" instead of guessing, and an unsure answer is read as English, as before. It is
limited to :data:`LANGUAGES`, the languages survey answers come in most, which makes it
both faster to load and more accurate than choosing among all 75.

Without the package (it is in the ``multilingual`` extra) the stop-word profile of
:func:`nlp.text.detect_language` answers instead, and :func:`backend` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from nlp.text import detect_language as _profile_language

__all__ = ["LANGUAGES", "detect", "detect_many", "backend", "ENGLISH", "UNKNOWN"]

ENGLISH = "en"
UNKNOWN = "unknown"
#: ISO 639-1 codes the detector chooses among (Lingua names for them in _LINGUA_NAMES).
LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "sv", "da", "nb", "fi", "pl", "cs", "ru", "uk",
             "tr", "ar", "he", "hi", "ja", "zh", "ko", "vi", "id", "el", "hu", "ro")
_LINGUA_NAMES = {"nb": "BOKMAL"}
MIN_DISTANCE = 0.15  # Lingua abstains when the two likeliest languages are this close
MIN_LETTERS = 8  # shorter answers ("ok", "nichts") are not worth a guess: read as English

_LOCK = threading.Lock()
_DETECTOR: Any = None
_TRIED = False


def _detector() -> Any:
    global _DETECTOR, _TRIED
    with _LOCK:
        if not _TRIED:
            _TRIED = True
            try:
                from lingua import IsoCode639_1, Language, LanguageDetectorBuilder  # noqa: PLC0415
            except ImportError:
                _DETECTOR = None
            else:
                langs = []
                for code in LANGUAGES:
                    name = _LINGUA_NAMES.get(code)
                    langs.append(getattr(Language, name) if name else
                                 Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
                _DETECTOR = (LanguageDetectorBuilder.from_languages(*langs)
                             .with_minimum_relative_distance(MIN_DISTANCE).build())
        return _DETECTOR


def backend() -> str:
    """``'lingua'`` or ``'stopwords'`` (the fallback when Lingua is not installed)."""
    return "lingua" if _detector() is not None else "stopwords"


def _code(lang: Any) -> str:
    code = str(lang.iso_code_639_1.name).lower()
    return "nb" if code == "nb" else code


def detect(text: object) -> str:
    """ISO 639-1 code of ``text``'s language, ``'en'`` when unsure or too short to tell,
    ``'unknown'`` for text with no letters."""
    s = str(text or "").strip()
    letters = sum(ch.isalpha() for ch in s)
    if letters == 0:
        return UNKNOWN
    det = _detector()
    if det is None:
        return _profile_language(s)
    # CJK and other scripts without spaces say a lot in few characters
    if letters < MIN_LETTERS and all(ord(ch) < 0x0250 for ch in s if ch.isalpha()):
        return ENGLISH
    lang = det.detect_language_of(s)
    if lang is None:
        return ENGLISH
    return _code(lang)


def detect_many(texts: Sequence[object]) -> list[str]:
    """:func:`detect` for each text (Lingua runs the batch on its own threads)."""
    det = _detector()
    if det is None:
        return [detect(t) for t in texts]
    out: list[str] = [ENGLISH] * len(texts)
    todo: list[int] = []
    for i, t in enumerate(texts):
        s = str(t or "").strip()
        letters = sum(ch.isalpha() for ch in s)
        if letters == 0:
            out[i] = UNKNOWN
        elif letters < MIN_LETTERS and all(ord(ch) < 0x0250 for ch in s if ch.isalpha()):
            out[i] = ENGLISH
        else:
            todo.append(i)
    if todo:
        found = det.detect_languages_in_parallel_of([str(texts[i]).strip() for i in todo])
        for i, lang in zip(todo, found, strict=True):
            out[i] = _code(lang) if lang is not None else ENGLISH
    return out
