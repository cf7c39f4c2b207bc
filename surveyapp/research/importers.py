"""Reading research material into passages: notes, transcripts and usability results.

Supported sources (``read_source`` picks by file name, or by content for pasted text):

* plain text and Markdown notes -- one passage per paragraph; a Markdown heading labels
  the passages under it; Markdown's emphasis and escapes are taken out of the text;
* transcripts as "Speaker: text" lines (optionally ``[00:01:02]`` or ``00:01:02`` first),
  or as Markdown with bold speakers (``**Speaker:** text``, ``**Speaker**: text``, a
  ``\\[00:55\\]`` after the label is the turn's time), with lines without a speaker joined
  to the turn above;
* WebVTT (``<v Speaker>`` voice tags or "Speaker:" inside cues) and SRT subtitles, with
  their timestamps. Captions name the speaker on the first cue of a turn only: a speaker
  carries on until another is named, and consecutive cues of one speaker become one turn
  that starts at its first cue;
* DOCX documents (python-docx), read as notes or as speaker lines, whichever they are;
* the exports of transcription tools: a turn's head on its own line with the words below
  (Otter.ai's "Dana Reyes  0:15", Zoom's saved "[Dana Reyes] 11:02:09"), a time after the
  label (Rev's and Descript's "Speaker 1 (00:00):"), a time on a line of its own (Google
  Meet's "00:05:00"), an introduction before the first speaker (a meeting's title), and
  the tools' own footer lines left out ("Transcribed by https://otter.ai").

A "Name:" at the start of a line or cue is a speaker only if it looks like one: a
participant's label (``known_speakers``), a short name-like label ("Dana", "Speaker 2",
"P3", "Dr. Lee"; at most 4 words and 40 characters, no sentence punctuation) or a label the
file uses at least twice. Otherwise ("We have three sponsors today: ...") the line is text
of the current turn.

Malformed files raise ``SourceError`` naming the line; nothing is returned half-read.
Usability results and questionnaires are read by ``questionnaires.read_usability_csv``
with the same guarantees.
"""

from __future__ import annotations

import html
import io
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

MAX_PASSAGE = 1200  # characters; a longer turn is split at sentence ends
MAX_SOURCE_BYTES = 5 * 1024 * 1024
FORMATS = ("text", "markdown", "speaker", "vtt", "srt", "docx")

_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?"
_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_CUE_TIME = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_BRACKET_TS = re.compile(rf"^\\?\[(?P<ts>{_TS})\\?\]\s*")  # [00:55], Markdown's \[00:55\]
_BARE_TS = re.compile(rf"^(?P<ts>{_TS})\s+")  # 00:01:02 Interviewer: ... (before a label)
_ONLY_TS = re.compile(rf"^\\?[\[(]?(?P<ts>{_TS})\\?[\])]?$")  # Google Meet's "00:05:00" line
# A label with its time after it: Rev and Descript's "Speaker 1 (00:00):", "Dana [01:02]:"
_LABEL_TS = re.compile(rf"^(?P<label>.*?\S)\s*(?:\((?P<p>{_TS})\)|\[(?P<b>{_TS})\]|(?P<n>{_TS}))$")
# A turn's head on its own line, the words on the lines below: Otter.ai's "Dana Reyes  0:15"
# and Zoom's saved transcript "[Dana Reyes] 11:02:09"
_OTTER_HEAD = re.compile(rf"^(?:\[(?P<bracketed>[^\]\n]{{1,60}})\]|(?P<label>[^\W\d_][^:\n]{{0,60}}?))"
                         rf"\s+(?P<ts>{_TS})$")
# A speaker label: **Name:** / **Name**: (or with __) in Markdown, or plain "Name:".
_LABEL = re.compile(
    r"^(?:\*\*(?P<b1>[^*\n]{1,80}?)\s*:\s*\*\*|\*\*(?P<b2>[^*:\n]{1,80}?)\*\*\s*:"
    r"|__(?P<b3>[^_\n]{1,80}?)\s*:\s*__|__(?P<b4>[^_:\n]{1,80}?)__\s*:"
    r"|(?P<plain>[^\W_][^:\n]{0,79}?(?:\s*[(\[]" + _TS + r"[)\]])?)\s*:)(?:\s+|$)(?P<text>.*)$", re.S)
_BOLD_LABEL = re.compile(r"^\s*(?:\\?\[[^\]\n]*\\?\]\s*)?(?:\*\*|__)[^*_\n]{1,80}?"
                         r"(?::\s*(?:\*\*|__)|(?:\*\*|__)\s*:)", re.M)
_BRACKET = re.compile(r"^[\[(](?P<label>[^\])\n]{1,40})[\])]\s*(?P<text>\S.*)$", re.S)  # [Terrill] ...
_VOICE_TAG = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>")
_TAG = re.compile(r"</?[a-z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}")  # tags, karaoke times, {\an8}
# Lines transcription services add to an export, not said by anyone.
_BOILERPLATE = re.compile(r"^(?:transcribed by https?://otter\.ai|meeting ended after \d[\d:]*\b.*"
                          r"|this editable transcript was computer generated.*)$", re.I)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


class SourceError(ValueError):
    """A file we cannot read; ``line`` is 1-based (0: the file as a whole)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


@dataclass
class Passage:
    text: str
    line: int  # where it starts in the source (1-based)
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    section: str | None = None


@dataclass
class Source:
    format: str
    passages: list[Passage] = field(default_factory=list)

    @property
    def speakers(self) -> list[str]:
        return sorted({p.speaker for p in self.passages if p.speaker})


# ----------------------------------------------------------------------------- dispatch
def read_source(data: bytes, filename: str = "", format: str | None = None,
                known_speakers: Iterable[str] = ()) -> Source:
    """Passages of one uploaded file (or pasted text, with no file name).

    ``known_speakers``: the study's participant labels; a line or cue starting with one of
    them is that participant's turn even when the label would not look like a name."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(0, f"the file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    known = [k for k in known_speakers if k and k.strip()]
    fmt = format or guess_format(data, filename, known)
    if fmt not in FORMATS:
        raise SourceError(0, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "docx":
        text = _docx_text(data)
        fmt = "speaker" if _looks_like_speakers(text.splitlines(), known) else "text"
    else:
        text = _decode(data)
    markdown = (fmt == "markdown" or PurePath(filename).suffix.lower() in (".md", ".markdown")
                or (fmt == "speaker" and _BOLD_LABEL.search(text) is not None))
    if fmt in ("text", "markdown"):
        passages = read_notes(text, markdown=fmt == "markdown")
    elif fmt == "speaker":
        passages = read_speaker_lines(text, known, markdown=markdown)
    else:
        passages = (read_vtt if fmt == "vtt" else read_srt)(text, known)
    if not passages:
        raise SourceError(0, "no text found in the file")
    return Source(fmt, _split_long(passages))


def guess_format(data: bytes, filename: str = "", known_speakers: Iterable[str] = ()) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".docx" or data[:2] == b"PK":
        return "docx"
    if suffix == ".vtt" or data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "vtt"
    text = _decode(data) if suffix != ".docx" else ""
    lines = [line for line in text.splitlines() if line.strip()]
    if suffix == ".srt" or (len(lines) >= 2 and lines[0].strip().isdigit() and _CUE_TIME.match(lines[1])):
        return "srt"
    if _looks_like_speakers(lines, known_speakers):
        return "speaker"
    return "markdown" if suffix in (".md", ".markdown") else "text"


def decode_text(data: bytes) -> str:
    """A text file's characters: UTF-8 (with or without a BOM), else Windows-1252."""
    return _decode(data)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise SourceError(0, "the file is neither UTF-8 nor Windows-1252 text")


def _docx_text(data: bytes) -> str:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(0, f"not a readable DOCX document ({exc.__class__.__name__})") from None
    return "\n\n".join(p.text for p in document.paragraphs if p.text.strip())


# ----------------------------------------------------------------------------- readers
def read_notes(text: str, markdown: bool = False) -> list[Passage]:
    """One passage per paragraph; Markdown headings label what follows them."""
    passages: list[Passage] = []
    section: str | None = None
    buf: list[str] = []
    start = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        heading = _HEADING.match(line)
        if heading or not line.strip():
            if buf:
                body = " ".join(b for b in buf if b)
                passages.append(Passage(_md_clean(body) if markdown else body, start, section=section))
                buf = []
            if heading:
                title = heading.group(2)
                section = (_md_clean(title) if markdown else title)[:200] or None
            continue
        if not buf:
            start = number
        buf.append(line.strip().lstrip("-*> ").strip() if not buf else line.strip())
    return [p for p in passages if p.text]


def read_speaker_lines(text: str, known_speakers: Iterable[str] = (),
                       markdown: bool = False) -> list[Passage]:
    """'Speaker: text' turns (``**Speaker:**`` in Markdown); lines without a speaker label
    continue the turn above. A Markdown transcript may open with headings or an
    introduction before the first speaker; a plain one must start with a speaker."""
    lines = text.split("\n")
    parsed = [None if _BOILERPLATE.match(line.strip()) else _parse_line(line, markdown)
              for line in lines]
    labels = _Labels(known_speakers, (p.label for p in parsed if p is not None and p.label))
    turns = _Turns()
    section: str | None = None
    clock: int | None = None  # the last time-only line's time, for the turns after it
    for number, p in enumerate(parsed, start=1):
        if p is None:
            continue
        if p.heading is not None:
            section = p.heading or None
            continue
        if p.time_only:
            clock = p.line_ms
            continue
        speaker = labels.accept(p.label) if p.label else None
        if speaker:
            turns.start(speaker, section)
            turns.add(p.text, number, p.label_ms if p.label_ms is not None else clock)
            clock = None
        else:
            # Text of the current turn; before the first speaker, an introduction (a
            # meeting's title, "Transcript", its attendees) kept without a speaker.
            said, ms = p.as_text(markdown)
            if p.label and not p.text and p.label_ms is not None and not said.endswith(":"):
                said = p.whole  # an Otter-like head that is not a speaker: its line as said
            turns.add(said, number, ms if ms is not None else clock, section=section)
            clock = None
    return turns.passages()


def read_vtt(text: str, known_speakers: Iterable[str] = ()) -> list[Passage]:
    lines = text.split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise SourceError(1, "a WebVTT file starts with 'WEBVTT'")
    first = 1  # the header block ("Kind: captions", ...) runs to the first blank line
    while first < len(lines) and lines[first].strip() and not _CUE_TIME.match(lines[first]):
        first += 1
    return _cue_turns(_cues(lines, first=first, vtt=True), known_speakers, vtt=True)


def read_srt(text: str, known_speakers: Iterable[str] = ()) -> list[Passage]:
    return _cue_turns(_cues(text.split("\n"), first=0, vtt=False), known_speakers, vtt=False)


@dataclass
class _Cue:
    line: int
    start_ms: int
    end_ms: int
    text: str  # as written, tags and all


def _cues(lines: list[str], first: int, vtt: bool) -> list[_Cue]:
    cues: list[_Cue] = []
    i = first
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if vtt and line.startswith(("NOTE", "STYLE", "REGION")):
            while i < len(lines) and lines[i].strip():  # skip the block
                i += 1
            continue
        timing = _CUE_TIME.match(line)
        if not timing and i + 1 < len(lines):  # a cue id (or SRT's number) first
            timing = _CUE_TIME.match(lines[i + 1].strip())
            if timing:
                i += 1
            elif not vtt:
                raise SourceError(i + 1, "expected a subtitle number then a time line "
                                         "like 00:00:01,000 --> 00:00:04,000")
        if not timing:
            raise SourceError(i + 1, "expected a cue time line like 00:00:01.000 --> 00:00:04.000")
        start, end = _ms(*timing.groups()[:4]), _ms(*timing.groups()[4:])
        if end < start:
            raise SourceError(i + 1, "the cue ends before it starts")
        cue_line, i = i + 1, i + 1
        text_lines = []
        while i < len(lines) and lines[i].strip():
            text_lines.append(lines[i].strip())
            i += 1
        if text_lines:
            cues.append(_Cue(cue_line, start, end, "\n".join(text_lines)))
        elif not vtt:  # WebVTT allows an empty cue; in SRT it is a broken file
            raise SourceError(cue_line, "a cue without text")
    return cues


def _cue_turns(cues: list[_Cue], known_speakers: Iterable[str], vtt: bool) -> list[Passage]:
    """Captions name the speaker on the first cue of a turn only: a named speaker carries
    on through the cues after it until another is named (or ``>>`` marks a new, unnamed
    one); the turn starts at its first cue."""
    pieces = [(cue, _cue_pieces(cue.text, vtt)) for cue in cues]
    labels = _Labels(known_speakers, (p.label for _, ps in pieces for p in ps if p.label))
    turns = _Turns()
    for cue, cue_pieces in pieces:
        for piece in cue_pieces:
            speaker = labels.canonical(piece.voice) if piece.voice else \
                labels.accept(piece.label, repeated=not piece.bracket) if piece.label else None
            if speaker:
                turns.start(speaker)
            elif piece.new_turn:
                turns.start(None, force=True)
            turns.add(piece.text if speaker else piece.whole, cue.line, cue.start_ms, cue.end_ms)
    return turns.passages()


@dataclass
class _Piece:
    text: str  # after the speaker label
    whole: str  # the piece as said, when its label is not a speaker's
    label: str | None = None
    voice: str | None = None  # a WebVTT <v Name>: always a speaker
    bracket: bool = False  # "[Terrill] ...": a speaker only if name-like ("[Music]" is not)
    new_turn: bool = False  # ">>", or a voice tag without a name: someone else speaks


def _cue_pieces(raw: str, vtt: bool) -> list[_Piece]:
    """One cue's text, split where a ``<v Name>`` voice starts or a line starts with a
    label ("Dana: ...", "- Dana: ...", ">> ...")."""
    parts = _VOICE_TAG.split(raw)  # [before, name, after, name, after, ...]
    out = _line_pieces(parts[0], vtt)
    for name, after in zip(parts[1::2], parts[2::2], strict=True):
        text = _cue_text(after, vtt)
        voice = _cue_text(name or "", vtt)[:80]
        if text:
            out.append(_Piece(text, text, voice=voice or None, new_turn=True))
    return out


def _line_pieces(raw: str, vtt: bool) -> list[_Piece]:
    groups: list[list[str]] = []
    for line in raw.split("\n"):
        text = _cue_text(line, vtt)
        if not text:
            continue
        m = _LABEL.match(text.removeprefix("- "))
        if not groups or text.startswith(">>") or (m and m.group("plain")):
            groups.append([text])
        else:
            groups[-1].append(text)
    return [_labelled_piece(" ".join(g)) for g in groups]


def _cue_text(raw: str, vtt: bool) -> str:
    text = _TAG.sub("", raw)
    if vtt:
        text = html.unescape(text)
    return " ".join(text.split())


def _labelled_piece(text: str) -> _Piece:
    new_turn = text.startswith(">>")  # broadcast captions: someone else speaks
    if new_turn:
        text = text.lstrip(">").strip()
    m = _LABEL.match(text.removeprefix("- "))  # "- Dana: ..." in a two-speaker cue
    if m and m.group("plain"):
        return _Piece(m.group("text").strip(), text, m.group("plain").strip(), new_turn=new_turn)
    b = _BRACKET.match(text)
    if b:
        return _Piece(b.group("text").strip(), text, b.group("label").strip(), bracket=True,
                      new_turn=new_turn)
    return _Piece(text, text, new_turn=new_turn)


# ----------------------------------------------------------------------------- speaker labels
_PARTICLES = frozenset({"van", "von", "de", "da", "del", "della", "der", "den", "di", "du", "la",
                        "le", "bin", "ibn", "al", "el", "y", "of", "the", "and"})
_ABBREVIATION = re.compile(r"^(?:[A-Z]|Dr|Mr|Mrs|Ms|Mx|Prof|Jr|Sr|St)\.$")
_SENTENCE_PUNCT = re.compile(r"[,;!?\"“”…]|\.\.")
# Sounds in captions ("[Applause] Thank you") and the field names of notes ("**Date:** ...").
_NOT_SPEAKERS = frozenset({
    "music", "applause", "laughter", "laughs", "laughing", "inaudible", "crosstalk", "silence",
    "noise", "cheering", "cheers", "foreign", "unintelligible", "sighs", "coughs", "chuckles",
    "pause", "beep", "beeping",
    "date", "time", "location", "place", "duration", "note", "notes", "summary", "context",
    "goal", "goals", "agenda", "attendees", "observation", "observations", "finding", "findings",
    "insight", "insights", "quote", "task", "tasks", "action", "actions", "next steps", "example",
    "warning", "tip", "important", "update", "source", "link", "url", "email", "phone", "subject",
    "title", "topic", "status", "result", "results", "outcome", "problem", "solution",
    "background", "method", "recommendation", "recommendations", "ps", "nb", "re", "cc", "to",
    "from",
})


def _name_like(label: str) -> bool:
    """Short and shaped like a name or a role: "Dana", "Adam Stacoviak", "Dr. Lee",
    "Speaker 1", "P3", "MAN 2", "Interviewer (Sam)" -- not "We have three sponsors today"."""
    words = label.split()
    if not 1 <= len(words) <= 4 or len(label) > 40 or _SENTENCE_PUNCT.search(label):
        return False
    for i, word in enumerate(words):
        w = word.strip("()")
        if not w:
            return False
        if w.endswith(".") and not _ABBREVIATION.match(w):
            return False  # a full stop ends a sentence, not a name
        if w[0].isupper() or (i and (w.isdigit() or w.lower() in _PARTICLES)):
            continue
        return False
    return True


def _label_like(label: str) -> bool:
    """Looser, for a label the file uses more than once ("dana", "Hillary Hartley (18F)")."""
    return len(label.split()) <= 6 and len(label) <= 60 and not re.search(r"[;!?\"“”…]", label)


class _Labels:
    """Which candidate labels are speakers: a participant's label (``known``), anything
    shaped like a name, or a label the same file uses at least twice."""

    def __init__(self, known: Iterable[str], candidates: Iterable[str]) -> None:
        self.known = {" ".join(k.split()).casefold(): k.strip() for k in known if k and k.strip()}
        counts = Counter(" ".join(c.split()).casefold() for c in candidates)
        self.repeated = {label for label, n in counts.items() if n >= 2}

    def canonical(self, label: str) -> str:
        """A voice tag's name, spelt as the participant's label if it is one."""
        label = " ".join(label.split())
        return self.known.get(label.casefold(), label)[:80]

    def accept(self, label: str, repeated: bool = True) -> str | None:
        label = " ".join(label.split())
        key = label.casefold()
        if key in self.known:
            return self.known[key][:80]
        if key in _NOT_SPEAKERS or "music" in key:
            return None
        if _name_like(label) or (repeated and key in self.repeated and _label_like(label)):
            return label[:80]
        return None


def accept_speaker(label: str, known: Iterable[str]) -> str | None:
    """``label`` as a speaker's name if it looks like one (as at import: one of ``known``,
    spelt as there, or name-like), else None."""
    return _Labels(known, []).accept(label)


@dataclass
class _Line:
    whole: str  # the line (after a bracketed timestamp) as written
    line_ms: int | None  # that timestamp
    label: str | None = None
    text: str = ""  # after the label
    label_ms: int | None = None  # the timestamp before or just after the label
    heading: str | None = None
    time_only: bool = False  # a line holding only a time (Google Meet's every few minutes)

    def as_text(self, markdown: bool) -> tuple[str, int | None]:
        """The whole line as text of the current turn, and a time it starts with."""
        return _after_timestamp(_md_clean(self.whole) if markdown else self.whole, self.line_ms)


def _parse_line(raw: str, markdown: bool) -> _Line | None:
    line = raw.strip()
    if not line:
        return None
    if markdown:
        heading = _HEADING.match(line)
        if heading:
            return _Line("", None, heading=_md_clean(heading.group(2))[:200])
    only = _ONLY_TS.match(line)
    if only:  # a time on its own line: when what follows was said
        return _Line("", _ms(only.group("ts")), time_only=True)
    bracketed = _BRACKET_TS.match(line)
    bare = None if bracketed else _BARE_TS.match(line)  # a bare time only before a label
    line_ms = _ms(bracketed.group("ts")) if bracketed else None
    whole = line[bracketed.end():] if bracketed else line
    lead = bracketed or bare
    m = _LABEL.match(line[lead.end():] if lead else line)
    if not m:
        head = None if lead else _OTTER_HEAD.match(line)
        if head:  # "Dana Reyes  0:15" alone: the turn's words are on the lines below
            label = (head.group("bracketed") or head.group("label")).strip()
            return _Line(whole, None, label, "", _ms(head.group("ts")))
        return _Line(whole, line_ms)
    bold = m.group("plain") is None
    label = next(g for g in m.group("b1", "b2", "b3", "b4", "plain") if g is not None)
    said = m.group("text").strip()
    label_ms = line_ms if line_ms is not None else (_ms(bare.group("ts")) if bare else None)
    timed = _LABEL_TS.match(label.strip())
    if timed:  # "Speaker 1 (00:00):" -- Rev, Descript
        label = timed.group("label")
        ts = timed.group("p") or timed.group("b") or timed.group("n")
        label_ms = label_ms if label_ms is not None else _ms(ts)
    said, label_ms = _after_timestamp(_md_clean(said) if markdown or bold else said, label_ms)
    label = _md_clean(label) if markdown or bold else label.strip()
    return _Line(whole, line_ms, label, said, label_ms)


def _after_timestamp(text: str, ms: int | None) -> tuple[str, int | None]:
    """``[02:05] We're back`` -> ("We're back", 125000), unless a time came before."""
    ts = _BRACKET_TS.match(text)
    if not ts:
        return text, ms
    return text[ts.end():].strip(), ms if ms is not None else _ms(ts.group("ts"))


def _looks_like_speakers(lines: Iterable[str], known_speakers: Iterable[str] = ()) -> bool:
    """Do most lines (of the first 2,000) start with a speaker label?"""
    sample = [line for line in lines if line.strip() and not _HEADING.match(line)][:2000]
    parsed = [p for p in (_parse_line(line, markdown=False) for line in sample) if p is not None]
    labels = _Labels(known_speakers, (p.label for p in parsed if p.label))
    hits = sum(1 for p in parsed if p.label and labels.accept(p.label))
    heads = sum(1 for p in parsed if p.label and not p.text and labels.accept(p.label))
    # Turn heads on their own line (Otter's "Dana  0:15", Rev's "Speaker 1 (00:00):") have
    # the words on the lines below: a third of the lines is then plenty.
    timed = sum(1 for p in parsed if p.time_only)
    needed = max(2, (len(parsed) - timed) // (3 if heads >= 2 else 2))
    return bool(parsed) and hits >= needed


# ----------------------------------------------------------------------------- markdown
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_MD_STARS = re.compile(r"(?<![\\*])(\*{1,3})(?=[^\s*])(.+?)(?<=[^\s\\*])\1(?!\*)")
_MD_UNDERSCORES = re.compile(r"(?<![\w\\])(_{1,3})(?=[^\s_])(.+?)(?<=[^\s\\_])\1(?!\w)")
_MD_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_MD_CODE = re.compile(r"`+([^`\n]+?)`+")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_SYNTAX = re.compile(r"[*_`\[~\\]")


def _md_clean(text: str) -> str:
    """Markdown inline syntax out, the words kept: emphasis, code spans, strikethrough,
    links (their text) and backslash escapes (``\\#230`` -> ``#230``)."""
    if not _MD_SYNTAX.search(text):
        return " ".join(text.split())
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(2):  # nested emphasis (**bold _and italic_**)
        text = _MD_STARS.sub(r"\2", text)
        text = _MD_UNDERSCORES.sub(r"\2", text)
    text = _MD_STRIKE.sub(r"\1", text)
    return " ".join(_MD_ESCAPE.sub(r"\1", text).split())


# ----------------------------------------------------------------------------- turns
@dataclass
class _Turn:
    speaker: str | None
    section: str | None
    parts: list[str] = field(default_factory=list)
    length: int = 0  # of " ".join(parts)
    # each piece: (its offset in the turn's text, source line, start, end)
    marks: list[tuple[int, int, int | None, int | None]] = field(default_factory=list)


class _Turns:
    """Speaker turns built from lines or cues; each keeps where (line, time) its pieces
    start, so a long turn split at sentence ends gives each passage its own line and
    start time (the cue, or the latest timestamp, it starts in)."""

    def __init__(self) -> None:
        self.turns: list[_Turn] = []

    @property
    def open(self) -> bool:
        return bool(self.turns)

    def start(self, speaker: str | None, section: str | None = None, force: bool = False) -> None:
        last = self.turns[-1] if self.turns else None
        if (last is not None and not force and speaker is not None and last.speaker == speaker
                and last.section == section):
            return  # the same speaker again: one turn
        self.turns.append(_Turn(speaker, section))

    def add(self, text: str, line: int, start_ms: int | None, end_ms: int | None = None,
            section: str | None = None) -> None:
        """More of the current turn (a new heading starts a new one, same speaker)."""
        if not self.turns:
            self.turns.append(_Turn(None, section))
        elif section is not None and self.turns[-1].section != section:
            self.turns.append(_Turn(self.turns[-1].speaker, section))
        turn = self.turns[-1]
        if text or not turn.marks:
            turn.marks.append((turn.length + 1 if turn.parts else 0, line, start_ms, end_ms))
        if text:
            turn.length += len(text) + (1 if turn.parts else 0)
            turn.parts.append(text)

    def passages(self) -> list[Passage]:
        out: list[Passage] = []
        for turn in self.turns:
            text = " ".join(turn.parts).strip()
            if text:
                out.extend(_turn_passages(turn, text))
        return out


def _turn_passages(turn: _Turn, text: str) -> list[Passage]:
    marks = turn.marks
    last_end = next((m[3] for m in reversed(marks) if m[3] is not None), None)
    if len(text) <= MAX_PASSAGE:
        return [Passage(text, marks[0][1], turn.speaker, marks[0][2], last_end, turn.section)]
    offsets = [m[0] for m in marks]
    starts: list[int | None] = []  # the latest known start at or before each mark
    for _, _, start, _ in marks:
        starts.append(start if start is not None else (starts[-1] if starts else None))
    out: list[Passage] = []
    for offset, chunk in _chunks(text):
        first = max(bisect_right(offsets, offset) - 1, 0)
        last = max(bisect_right(offsets, offset + len(chunk) - 1) - 1, 0)
        end = next((marks[i][3] for i in range(last, -1, -1) if marks[i][3] is not None), None)
        out.append(Passage(chunk, marks[first][1], turn.speaker,
                           marks[0][2] if not out else starts[first], end, turn.section))
    return out


def _chunks(text: str) -> list[tuple[int, str]]:
    """``text`` cut at sentence ends into pieces of at most MAX_PASSAGE characters (a
    longer sentence stays whole), each with where it starts in ``text``."""
    from nlp.text import split_sentences

    out: list[tuple[int, str]] = []
    chunk, at, pos = "", 0, 0
    for sentence in split_sentences(text, on_contrast=False):
        found = text.find(sentence, pos)
        where = found if found >= 0 else pos
        pos = where + len(sentence) if found >= 0 else pos + len(sentence) + 1
        if chunk and len(chunk) + 1 + len(sentence) > MAX_PASSAGE:
            out.append((at, chunk))
            chunk = ""
        if not chunk:
            at = where
        chunk = f"{chunk} {sentence}".strip()
    if chunk:
        out.append((at, chunk))
    return out


def _split_long(passages: list[Passage]) -> list[Passage]:
    out: list[Passage] = []
    for p in passages:
        if len(p.text) <= MAX_PASSAGE:
            out.append(p)
            continue
        out.extend(Passage(chunk, p.line, p.speaker, p.start_ms, p.end_ms, p.section)
                   for _, chunk in _chunks(p.text))
    return out


def _ms(hours: str | None, minutes: str | None = None, seconds: str | None = None,
        millis: str | None = None) -> int:
    if minutes is None:  # one "hh:mm:ss.mmm" string
        m = re.fullmatch(_TIME, hours or "")
        if not m:
            raise SourceError(0, f"not a time: {hours!r}")
        return _ms(*m.groups())
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds or 0)) * 1000 \
        + int((millis or "0").ljust(3, "0"))
