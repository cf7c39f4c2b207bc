"""Text hygiene: normalisation, filler detection, language detection, PII scrubbing."""

from __future__ import annotations

import pytest

from nlp.text import detect_language, is_filler, normalise, scrub_pii, split_sentences


def test_normalise_html_and_whitespace():
    assert normalise("<p>Hello&amp;nbsp;<b>world</b></p><br>next &lt;3") == "Hello world next <3"
    assert normalise("  a\n\t b  ") == "a b"
    assert normalise(None) == ""
    assert normalise(float("nan")) == ""
    assert normalise("<script>alert(1)</script>ok") == "ok"
    assert normalise("zero\u200bwidth") == "zerowidth"


FILLER = [
    "n/a", "N/A", "no", "nothing", "-", "asdf", ".", "...", "idk", "no comment", "nope",
    "none", "not sure", "nothing really", "Nothing to add", "Nothing to add, thanks!",
    "sdfghjkl", "jkjkjk", "aaaa", "zz", "x", "", "   ", "10", ":)", "no nothing really",
    "qwerty", "N.A.", "Nope.", "nothing at the moment",
]
CONTENT = [
    "too slow", "UI", "ok", "slow", "good", "love it", "no complaints", "nothing, it is great",
    "export to CSV", "crashes", "Not enough integrations", "rhythm", "strengths",
    "No dark mode", "none of the reports load",
]


@pytest.mark.parametrize("text", FILLER)
def test_filler(text):
    assert is_filler(text)


@pytest.mark.parametrize("text", CONTENT)
def test_not_filler(text):
    assert not is_filler(text)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("too slow", "en"),
        ("love it", "en"),
        ("crashes", "en"),
        ("dashboard", "en"),
        ("fine", "en"),
        ("Great app, very easy to use", "en"),
        ("The die cast feature is broken", "en"),
        ("Das ist sehr gut", "de"),
        ("Die Ladezeiten sind zu lang", "de"),
        ("Muy bueno, gracias", "es"),
        ("Très bien", "fr"),
        ("C'est trop lent", "fr"),
        ("Molto bene, grazie", "it"),
        ("Heel goed", "nl"),
        ("de app is traag", "nl"),
        ("Muito bom", "pt"),
        ("Это медленно", "ru"),
        ("遅すぎる", "ja"),
        ("太慢了", "zh"),
        ("...", "unknown"),
        ("", "unknown"),
        ("asdkjh qwpeoiru", "unknown"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me at +1 (555) 013-4477 or 555-0199", "Call me at [phone] or [phone]"),
        ("UK: +44 20 7946 0958.", "UK: [phone]."),
        ("mail jo.doe+x@example.co.uk now", "mail [email] now"),
        ("card 4111 1111 1111 1111", "card [card]"),
        ("not a card 4111-1111-1111-1112", "not a card 4111-1111-1111-1112"),
        ("IBAN DE89 3704 0044 0532 0130 00 ok", "IBAN [iban] ok"),
        ("GB82WEST12345698765432", "[iban]"),
        ("GB00WEST12345698765432", "GB00WEST12345698765432"),
        (
            "see https://app.example.com/reset?token=abc123 and https://example.com/pricing.",
            "see [url] and https://example.com/pricing.",
        ),
        ("https://x.io/s/9f8a7b6c5d4e3f2a1b0c9d8e", "[url]"),
        ("server 192.168.1.20 and 2001:db8::1 and fe80::1%eth0", "server [ip] and [ip] and [ip]"),
        (
            "on 2024-01-15 at 10:30:00 version 1.2.3, in 2023 2024 we paid $1,299",
            "on 2024-01-15 at 10:30:00 version 1.2.3, in 2023 2024 we paid $1,299",
        ),
        ("score 9/10, 12 users", "score 9/10, 12 users"),
    ],
)
def test_scrub_pii(text, expected):
    assert scrub_pii(text) == expected


def test_split_sentences_on_contrast():
    parts = split_sentences("I love the design. The export is slow! Support was great, but slow")
    assert parts == ["I love the design.", "The export is slow!", "Support was great", "slow"]
    assert split_sentences("") == []
