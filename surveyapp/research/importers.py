"""Reading research material into passages: notes, transcripts and usability results.

Supported sources (``read_source`` picks by file name, or by content for pasted text):

* plain text and Markdown notes -- one passage per paragraph; a Markdown heading labels
  the passages under it;
* transcripts as "Speaker: text" lines (optionally ``[00:01:02]`` or ``00:01:02`` first),
  with continuation lines joined to the turn above;
* WebVTT (``<v Speaker>`` voice tags or "Speaker:" inside cues) and SRT subtitles, with
  their timestamps; consecutive cues of one speaker become one passage;
* DOCX documents (python-docx), read as notes or as speaker lines, whichever they are.

Malformed files raise ``SourceError`` naming the line; nothing is returned half-read.
Usability results (CSV) are read by ``read_usability_csv`` with the same guarantees.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

MAX_PASSAGE = 1200  # characters; a longer turn is split at sentence ends
MAX_SOURCE_BYTES = 5 * 1024 * 1024
FORMATS = ("text", "markdown", "speaker", "vtt", "srt", "docx")

_TIME = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?"
_CUE_TIME = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s+.*)?$")
_SPEAKER = re.compile(r"^\s*(?:\[?(?P<ts>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]?\s+)?"
                      r"(?P<speaker>[A-Z][\w.'’ -]{0,39}?)\s*:\s+(?P<text>\S.*)$")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>)?$", re.S)
_TAG = re.compile(r"</?[a-z][^>]*>")
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
def read_source(data: bytes, filename: str = "", format: str | None = None) -> Source:
    """Passages of one uploaded file (or pasted text, with no file name)."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(0, f"the file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB")
    fmt = format or guess_format(data, filename)
    if fmt not in FORMATS:
        raise SourceError(0, f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "docx":
        text = _docx_text(data)
        fmt = "speaker" if _looks_like_speakers(text.splitlines()) else "text"
    else:
        text = _decode(data)
    reader = {"text": read_notes, "markdown": read_notes, "speaker": read_speaker_lines,
              "vtt": read_vtt, "srt": read_srt}[fmt]
    passages = reader(text)
    if not passages:
        raise SourceError(0, "no text found in the file")
    return Source(fmt, _split_long(passages))


def guess_format(data: bytes, filename: str = "") -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".docx" or data[:2] == b"PK":
        return "docx"
    if suffix == ".vtt" or data.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "vtt"
    text = _decode(data) if suffix != ".docx" else ""
    lines = [line for line in text.splitlines() if line.strip()]
    if suffix == ".srt" or (len(lines) >= 2 and lines[0].strip().isdigit() and _CUE_TIME.match(lines[1])):
        return "srt"
    if _looks_like_speakers(lines):
        return "speaker"
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise SourceError(0, "the file is neither UTF-8 nor Windows-1252 text")


def _looks_like_speakers(lines: Iterable[str]) -> bool:
    lines = [line for line in lines if line.strip()]
    hits = sum(1 for line in lines if _SPEAKER.match(line))
    return bool(lines) and hits >= max(2, len(lines) // 2)


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
def read_notes(text: str) -> list[Passage]:
    """One passage per paragraph; Markdown headings label what follows them."""
    passages: list[Passage] = []
    section, buf, start = None, [], 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        heading = _HEADING.match(line)
        if heading or not line.strip():
            if buf:
                passages.append(Passage(" ".join(buf), start, section=section))
                buf = []
            if heading:
                section = heading.group(2)[:200] or None
            continue
        if not buf:
            start = number
        buf.append(line.strip().lstrip("-*> ").strip() if not buf else line.strip())
    return [p for p in passages if p.text]


def read_speaker_lines(text: str) -> list[Passage]:
    """'Speaker: text' turns; lines without a speaker continue the turn above."""
    passages: list[Passage] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        m = _SPEAKER.match(line)
        if m:
            start = _ms(m.group("ts")) if m.group("ts") else None
            passages.append(Passage(m.group("text").strip(), number, m.group("speaker").strip(),
                                    start_ms=start))
        elif passages:
            passages[-1].text += " " + line.strip()
        else:
            raise SourceError(number, "a transcript line should start with 'Speaker: '")
    return _merge_turns(passages)


def read_vtt(text: str) -> list[Passage]:
    lines = text.split("\n")
    if not lines or not lines[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise SourceError(1, "a WebVTT file starts with 'WEBVTT'")
    return _merge_turns(_cues(lines, first=1, vtt=True))


def read_srt(text: str) -> list[Passage]:
    return _merge_turns(_cues(text.split("\n"), first=0, vtt=False))


def _cues(lines: list[str], first: int, vtt: bool) -> list[Passage]:
    passages: list[Passage] = []
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
        if not text_lines:
            raise SourceError(cue_line, "a cue without text")
        speaker, body = _cue_speaker(" ".join(text_lines))
        if body:
            passages.append(Passage(body, cue_line, speaker, start, end))
    return passages


def _cue_speaker(text: str) -> tuple[str | None, str]:
    voice = _VOICE.match(text)
    if voice:
        return voice.group(1).strip(), _TAG.sub("", voice.group(2)).strip()
    plain = _TAG.sub("", text).strip()
    m = _SPEAKER.match(plain)
    if m and not m.group("ts"):
        return m.group("speaker").strip(), m.group("text").strip()
    return None, plain


def _merge_turns(passages: list[Passage]) -> list[Passage]:
    """Consecutive pieces by the same speaker (or by nobody) form one turn."""
    out: list[Passage] = []
    for p in passages:
        last = out[-1] if out else None
        if last and last.speaker == p.speaker and len(last.text) + len(p.text) < MAX_PASSAGE:
            last.text += " " + p.text
            last.end_ms = p.end_ms if p.end_ms is not None else last.end_ms
        else:
            out.append(p)
    return out


def _split_long(passages: list[Passage]) -> list[Passage]:
    from nlp.text import split_sentences

    out: list[Passage] = []
    for p in passages:
        if len(p.text) <= MAX_PASSAGE:
            out.append(p)
            continue
        chunk = ""
        for sentence in split_sentences(p.text, on_contrast=False):
            if chunk and len(chunk) + len(sentence) > MAX_PASSAGE:
                out.append(Passage(chunk, p.line, p.speaker, p.start_ms, p.end_ms, p.section))
                chunk = ""
            chunk = f"{chunk} {sentence}".strip()
        if chunk:
            out.append(Passage(chunk, p.line, p.speaker, p.start_ms, p.end_ms, p.section))
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


# ----------------------------------------------------------------------------- usability
@dataclass
class TaskResult:
    participant: str
    task: str
    success: bool
    seconds: float | None
    errors: int | None
    seq: int | None  # Single Ease Question, 1 (very difficult) to 7 (very easy)


@dataclass
class UsabilityData:
    results: list[TaskResult]
    sus: dict[str, list[int]]  # participant -> 10 SUS answers (1-5)


REQUIRED = ("participant", "task", "success")
SUS_COLUMNS = tuple(f"sus_{i}" for i in range(1, 11))
_TRUE, _FALSE = {"1", "true", "yes", "y", "success", "pass"}, {"0", "false", "no", "n", "fail", "failure"}


def read_usability_csv(data: bytes) -> UsabilityData:
    """Rows of participant, task, success[, time_s, errors, seq][, sus_1..sus_10].

    SUS answers may be on any row of a participant (they must agree if repeated)."""
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise SourceError(1, "the file is empty; the first line must name the columns")
    columns = [c.strip().lower() for c in reader.fieldnames]
    reader.fieldnames = columns
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise SourceError(1, f"missing column(s): {', '.join(missing)} "
                             f"(found: {', '.join(columns)})")
    has_sus = [c for c in SUS_COLUMNS if c in columns]
    if has_sus and len(has_sus) != 10:
        raise SourceError(1, "SUS needs all ten columns sus_1 … sus_10")
    results: list[TaskResult] = []
    sus: dict[str, list[int]] = {}
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values()):
            continue
        participant, task = (row.get("participant") or "").strip(), (row.get("task") or "").strip()
        if not participant:
            raise SourceError(line, "column 'participant' is empty")
        success_raw = (row.get("success") or "").strip().lower()
        if task:
            if success_raw not in _TRUE | _FALSE:
                raise SourceError(line, f"column 'success': {row.get('success')!r} is not "
                                        "yes/no, true/false or 1/0")
            results.append(TaskResult(
                participant, task, success_raw in _TRUE,
                _number(row, "time_s", line, float, 0, 24 * 3600),
                _number(row, "errors", line, int, 0, 1000),
                _number(row, "seq", line, int, 1, 7)))
        if has_sus and any((row.get(c) or "").strip() for c in SUS_COLUMNS):
            answers = [_number(row, c, line, int, 1, 5) for c in SUS_COLUMNS]
            if None in answers:
                raise SourceError(line, "a SUS answer is missing (all ten sus_ columns, 1-5)")
            if participant in sus and sus[participant] != answers:
                raise SourceError(line, f"participant {participant!r} has two different SUS answers")
            sus[participant] = answers  # type: ignore[assignment]
    if not results and not sus:
        raise SourceError(0, "no task results or SUS answers in the file")
    return UsabilityData(results, sus)


def _number(row: dict[str, str], column: str, line: int, kind: type, lo: float, hi: float):
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    try:
        value = kind(raw.replace(",", ".") if kind is float else raw)
    except ValueError:
        raise SourceError(line, f"column {column!r}: {raw!r} is not a number") from None
    if not lo <= value <= hi:
        raise SourceError(line, f"column {column!r}: {raw} is outside {lo:g}-{hi:g}")
    return value


def sus_score(answers: list[int]) -> float:
    """The System Usability Scale score (0-100) from ten answers of 1-5 (Brooke, 1996)."""
    odd = sum(a - 1 for a in answers[0::2])
    even = sum(5 - a for a in answers[1::2])
    return (odd + even) * 2.5
