"""Usability results and standardised questionnaires, read from the files researchers have.

Two shapes are read, and told apart by their columns:

* **task rows**: ``participant, task, success`` and optionally ``time_s, errors, seq`` and
  the SUS items (one row per participant and task);
* **form exports** (Google Forms, Microsoft Forms, Typeform, Qualtrics, SurveyMonkey...):
  one row per response, a column per question. Questions are recognised by their text
  ("I think that I would like to use this system frequently", "This system's capabilities
  meet my requirements", "Overall, how difficult or easy was the task to complete?") or by
  an item number (``sus_3``, ``SUS Q3``, ``UMUX-Lite 2``, ``SEQ - Find a flight``); the
  answers may be numbers or the scale's English words ("Strongly agree", "Somewhat
  disagree", "Neither agree nor disagree", "Very easy"). Qualtrics' three header rows (the
  question text on the second, ``{"ImportId": ...}`` on the third) are understood.

Three questionnaires are scored:

* **SUS** (Brooke, 1996): ten items on 5 points; odd items ``answer - 1``, even items
  ``5 - answer``, the sum times 2.5 gives 0-100;
* **UMUX-Lite** (Lewis, Utesch & Maher, 2013): two items on 7 points (5-point versions
  exist and are recognised by their words); ``(a1 - 1 + a2 - 1) / (2 * (points - 1)) * 100``;
* **SEQ** (Single Ease Question), 1-7 after each task; a form export gives the task from
  the column ("Task 2: Export responses - Overall, how difficult..."), with no outcome.

Everything the reader decided is said in ``UsabilityData.report`` (which column became
what, which words became which number, what was left out and why); what cannot be read is
refused with ``SourceError`` naming the row and the column, and nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from surveyapp.research.importers import SourceError, decode_text

# ----------------------------------------------------------------------------- results


@dataclass
class TaskResult:
    participant: str
    task: str
    success: bool | None  # None: not recorded (a form export's post-task SEQ)
    seconds: float | None
    errors: int | None
    seq: int | None  # Single Ease Question, 1 (very difficult) to 7 (very easy)


@dataclass
class UsabilityData:
    results: list[TaskResult]
    sus: dict[str, list[int]]  # participant -> 10 SUS answers (1-5)
    umux: dict[str, float] = field(default_factory=dict)  # participant -> UMUX-Lite, 0-100
    umux_answers: dict[str, list[int]] = field(default_factory=dict)  # as answered
    umux_points: int = 7
    report: list[str] = field(default_factory=list)  # how the file was read


def sus_score(answers: list[int]) -> float:
    """The System Usability Scale score (0-100) from ten answers of 1-5 (Brooke, 1996)."""
    odd = sum(a - 1 for a in answers[0::2])
    even = sum(5 - a for a in answers[1::2])
    return (odd + even) * 2.5


def umux_lite_score(answers: list[int], points: int = 7) -> float:
    """UMUX-Lite (0-100) from its two answers on a scale of ``points`` (Lewis et al., 2013)."""
    return sum(a - 1 for a in answers) / (len(answers) * (points - 1)) * 100


# ----------------------------------------------------------------------------- the items
SUS_ITEMS = (
    "I think that I would like to use this system frequently.",
    "I found the system unnecessarily complex.",
    "I thought the system was easy to use.",
    "I think that I would need the support of a technical person to be able to use this system.",
    "I found the various functions in this system were well integrated.",
    "I thought there was too much inconsistency in this system.",
    "I would imagine that most people would learn to use this system very quickly.",
    "I found the system very cumbersome to use.",
    "I felt very confident using the system.",
    "I needed to learn a lot of things before I could get going with this system.",
)
UMUX_ITEMS = ("This system's capabilities meet my requirements.", "This system is easy to use.")
SEQ_QUESTION = "Overall, how difficult or easy was the task to complete?"

# What each SUS statement says, in its usual wordings (Brooke's; Finstad's "awkward" for
# "cumbersome"; "fully integrated"; the positive-tone and present-tense rewordings).
_SUS_SIGNS = (
    re.compile(r"\bfrequently\b"),
    re.compile(r"unnecessarily complex|more complicated than|\btoo complex\b"),
    re.compile(r"\b(?:thought|think|found|find)\b.*\beasy to use\b|\bsimple and easy\b"),
    re.compile(r"\btechnical (?:person|support)\b"),
    re.compile(r"\bintegrated\b"),
    re.compile(r"\binconsisten|\birregularit"),
    re.compile(r"\bmost people\b|\blearn (?:to use )?(?:this|the) (?:system|product|app|website|site) "
               r"(?:very )?quickly"),
    re.compile(r"\bcumbersome\b|\bawkward\b|\btime consuming\b"),
    re.compile(r"\bconfident\b"),
    re.compile(r"\blearn a lot\b|\blot of things to learn\b"),
)
_UMUX_SIGNS = (re.compile(r"\bcapabilities meet\b|\bmeets? my requirements\b"),
               re.compile(r"\beasy to use\b"))
_SEQ_SIGN = re.compile(r"\bhow (?:difficult or easy|easy or difficult)\b|\bsingle ease question\b"
                       r"|\bhow easy (?:or difficult )?was (?:the|this|that|it|each) task\b")
_SEQ_PHRASE = re.compile(
    r"(?:overall,?\s*)?how (?:difficult or easy|easy or difficult|easy)\b[^?\[\]]*?"
    r"(?:task|it)(?: to complete| to do)?\s*\??|single ease question|\(?\bseq\b\)?", re.I)
_SUS_NUMBER = re.compile(r"^sus\W*(?:q|item|question)?\W*0*(\d{1,2})$")
_UMUX_NUMBER = re.compile(r"^umux\W*lite\W*(?:q|item|question)?\W*0*(\d)$")
_SEQ_NAME = re.compile(r"^seq\b\W*(?P<task>.*)$|^(?P<before>.*?)\W*\bseq$")
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')

# Columns that name the response, best first (names and e-mail addresses are personal
# data, never a participant's label).
_PARTICIPANT = ("participant", "participant id", "participant label", "participant code",
                "participant number", "participant no", "pid", "p id", "respondent",
                "respondent id", "user id", "user", "external data reference",
                "externalreference", "response id", "responseid", "id", "response", "#",
                "token", "respondent id", "network id")
_NAMED_PARTICIPANT = frozenset(_PARTICIPANT[:_PARTICIPANT.index("external data reference")])
_NOT_A_RESPONSE = {"survey preview", "survey test", "spam", "preview"}  # Qualtrics' Status
_PERSONAL = ("name", "full name", "your name", "first name", "last name", "email",
             "email address", "e mail", "ipaddress", "ip address", "recipientemail",
             "recipientfirstname", "recipientlastname", "location latitude",
             "location longitude", "locationlatitude", "locationlongitude")

# The English words of agreement scales, and what they are on 5 and on 7 points.
_AGREE_5 = {
    "strongly disagree": 1, "completely disagree": 1, "totally disagree": 1,
    "disagree": 2, "somewhat disagree": 2, "slightly disagree": 2, "mostly disagree": 2,
    "neither agree nor disagree": 3, "neither agree or disagree": 3, "neither": 3,
    "neutral": 3, "undecided": 3, "not sure": 3,
    "agree": 4, "somewhat agree": 4, "slightly agree": 4, "mostly agree": 4,
    "strongly agree": 5, "completely agree": 5, "totally agree": 5,
}
_AGREE_7 = {
    "strongly disagree": 1, "completely disagree": 1, "totally disagree": 1, "disagree": 2,
    "somewhat disagree": 3, "slightly disagree": 3, "mostly disagree": 3,
    "neither agree nor disagree": 4, "neither agree or disagree": 4, "neither": 4,
    "neutral": 4, "undecided": 4, "not sure": 4,
    "somewhat agree": 5, "slightly agree": 5, "mostly agree": 5, "agree": 6,
    "strongly agree": 7, "completely agree": 7, "totally agree": 7,
}
_EASE_7 = {"very difficult": 1, "extremely difficult": 1, "difficult": 2,
           "somewhat difficult": 3, "neither easy nor difficult": 4,
           "neither difficult nor easy": 4, "neutral": 4, "somewhat easy": 5, "easy": 6,
           "very easy": 7, "extremely easy": 7}
_SEVEN_POINT_SIGNS = {"somewhat", "slightly", "mostly"}  # beside plain agree/disagree
_NUMBER_IN = re.compile(r"^\(?(\d+)(?:[.,]0+)?\)?(?:\s*[-–:=.)]\s*.*|\s+.*)?$|^.*?\((\d+)\)$")

_TRUE = {"1", "true", "yes", "y", "success", "pass", "passed", "completed", "done"}
_FALSE = {"0", "false", "no", "n", "fail", "failure", "failed", "gave up"}


def _norm(header: str) -> str:
    """Lower case, words only: "Participant ID" -> "participant id", "sus_3" -> "sus 3"."""
    text = header.replace("’", "'").lower()
    return " ".join(re.sub(r"[^\w#']+|_", " ", text).split())


def _short(header: str, width: int = 60) -> str:
    header = " ".join(header.split())
    return f"“{header if len(header) <= width else header[:width - 1] + '…'}”"


# ----------------------------------------------------------------------------- columns
@dataclass
class _Column:
    index: int
    header: str  # as shown to the researcher (the question text for Qualtrics)
    names: list[str]  # every header row's text for this column
    role: str = ""  # participant | task | success | time | errors | seq | sus | umux | seq_task
    item: int = 0  # SUS 1-10, UMUX-Lite 1-2
    task: str = ""  # a form export's SEQ column: its task


def _cell(row: list[str], i: int) -> str:
    return row[i].strip() if i < len(row) and row[i] is not None else ""


def _rows(data: bytes, filename: str) -> list[list[str]]:
    """The file's rows as text: CSV (comma, semicolon or tab) or the first sheet of XLSX."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceError(0, f"not a readable XLSX workbook ({exc.__class__.__name__})") from None
    sheet = book.worksheets[0]
    out = []
    for values in sheet.iter_rows(values_only=True):
        out.append(["" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer()
                    else str(v) for v in values])
    book.close()
    return out


def _header_rows(rows: list[list[str]]) -> int:
    """Qualtrics writes three header rows: field names, question texts, ImportIds."""
    if len(rows) >= 3 and sum(1 for c in rows[2] if _IMPORT_ID.match(c or "")) >= max(1, len(rows[2]) // 2):
        return 3
    return 1


def _columns(rows: list[list[str]], header_rows: int) -> list[_Column]:
    width = max(len(r) for r in rows[:header_rows])
    out = []
    for i in range(width):
        names = [_cell(rows[r], i) for r in range(min(2, header_rows))]
        shown = next((n for n in reversed(names) if n), "") or f"column {i + 1}"
        out.append(_Column(i, shown, [n for n in names if n]))
    return out


def _classify(columns: list[_Column]) -> None:
    """Give each column its role (the participant's is chosen with the rows, later)."""
    normed = {c.index: [_norm(n) for n in c.names] for c in columns}
    # Task rows: the plain column names of the task-row shape.
    plain = {"task": "task", "success": "success", "time s": "time", "time": "time",
             "seconds": "time", "time on task": "time", "errors": "errors", "seq": "seq"}
    has_task = any("task" in normed[c.index] for c in columns)
    for c in columns:
        for n in normed[c.index]:
            role = plain.get(n)
            if role and has_task:
                c.role = role
                break
            m = _SUS_NUMBER.match(n) or _UMUX_NUMBER.match(n)
            if m and not c.role:
                number = int(m.group(1))
                kind = "sus" if n.startswith("sus") else "umux"
                if 1 <= number <= (10 if kind == "sus" else 2):
                    c.role, c.item = kind, number
                    break
    # Statements, by their words (the most words in common with the statement wins).
    for kind, signs, items in (("sus", _SUS_SIGNS, SUS_ITEMS), ("umux", _UMUX_SIGNS, UMUX_ITEMS)):
        for item, sign in enumerate(signs, start=1):
            if any(c.role == kind and c.item == item for c in columns):
                continue
            found = [c for c in columns if not c.role and any(sign.search(n) for n in normed[c.index])]
            if kind == "umux" and item == 2:  # "easy to use" alone: only beside item 1
                found = [c for c in found if not any(s.search(n) for s in _SUS_SIGNS[2:3]
                                                     for n in normed[c.index])]
                if not any(c.role == "umux" and c.item == 1 for c in columns):
                    found = []
            if not found:
                continue
            words = set(_norm(items[item - 1]).split())
            best = max(found, key=lambda c: max(len(words & set(n.split())) for n in normed[c.index]))
            best.role, best.item = kind, item
    # SEQ: the question, or "SEQ ..." / "... SEQ" with the task's name.
    seq_columns = []
    for c in columns:
        if c.role:
            continue
        texts = normed[c.index]
        if any(_SEQ_SIGN.search(n) for n in texts) or any(_SEQ_NAME.match(n) for n in texts):
            c.role = "seq_task"
            seq_columns.append(c)
    for number, c in enumerate(seq_columns, start=1):
        c.task = _seq_task(c) or (f"Task {number}" if len(seq_columns) > 1 else "Task")


def _participant(columns: list[_Column], body: list[tuple[int, list[str]]]) -> _Column | None:
    """The best-named column: one called participant (or respondent, user id) always, an
    id column only if it names every response (an empty External Data Reference gives way
    to the Response ID); names and e-mail addresses are never labels."""
    for name in _PARTICIPANT:
        for c in columns:
            if c.role or name not in [_norm(n) for n in c.names]:
                continue
            filled = [_cell(r, c.index) for _, r in body if any((v or "").strip() for v in r)]
            if name in _NAMED_PARTICIPANT or (filled and all(filled)):
                c.role = "participant"
                return c
    return None


def _unused(columns: list[_Column]) -> list[str]:
    plain: list[str] = []
    personal: list[str] = []
    for c in columns:
        if not c.role:
            (personal if any(_norm(n) in _PERSONAL for n in c.names) else plain).append(_short(c.header, 30))
    out = []
    if plain:
        out.append("not used: " + ", ".join(plain))
    if personal:
        out.append("personal data, not kept: " + ", ".join(personal))
    return out


def _distinct(headers: list[str]) -> list[str]:
    """The part of each header that differs (a matrix question repeats its title)."""
    if len(headers) < 2:
        return headers
    prefix = headers[0]
    for h in headers[1:]:
        while not h.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(" - "), prefix.rfind(" – "), prefix.rfind("["), prefix.rfind(": "))
    if cut <= 0 or len(prefix) < 12:
        return headers
    return [h[cut:].lstrip(" -–[:") or h for h in headers]


def _seq_task(column: _Column) -> str:
    """The task a SEQ column asks about: what its header says besides the question."""
    for name in reversed(column.names):
        rest = _SEQ_PHRASE.sub(" ", name)
        rest = re.sub(r"^\s*(?:q\d+[\w.]*\s*[-:.]?\s*)", "", rest, flags=re.I)  # "Q5 - ", "Q5_1."
        rest = rest.strip(" \t-–—:|,.;[]()?\"'")
        rest = re.sub(r"\s*[\[(]\s*", " - ", rest).strip(" -–[]()")
        if rest and rest.lower() not in ("overall", "task", "please rate"):
            return " ".join(rest.split())[:200]
    return ""


# ----------------------------------------------------------------------------- answers
class _Scale:
    """Reads one questionnaire's answers: numbers 1..points, or its English words."""

    def __init__(self, kind: str, points: int, words: dict[str, int]) -> None:
        self.kind, self.points, self.words = kind, points, words
        self.seen: dict[str, int] = {}  # word as written -> number, for the report

    def read(self, raw: str, line: int, column: _Column) -> int | None:
        text = " ".join(raw.split())
        if not text:
            return None
        key = text.lower().rstrip(".!")
        value = self.words.get(key)
        if value is None:
            m = _NUMBER_IN.match(key)
            if m:
                number = m.group(1) or m.group(2)
                value = int(number)
                if not 1 <= value <= self.points:
                    raise SourceError(line, f"column {_short(column.header)}: {text!r} is outside "
                                            f"1-{self.points} ({self.label})")
                return value
            raise SourceError(line, f"column {_short(column.header)}: {text!r} is not an answer "
                                    f"of the {self.label} (a number 1-{self.points} or "
                                    f"{self.example})")
        self.seen.setdefault(text, value)
        return value

    @property
    def label(self) -> str:
        return {"sus": "SUS scale", "umux": "UMUX-Lite scale", "seq": "SEQ scale"}[self.kind]

    @property
    def example(self) -> str:
        return "“Very easy”…“Very difficult”" if self.kind == "seq" else \
            "“Strongly disagree”…“Strongly agree”"


def _agreement_points(values: list[str]) -> int:
    """7 when the words of a 7-point agreement scale appear (a plain "Agree" beside a
    "Somewhat agree", or a 6 or 7), else 5."""
    words = {" ".join(v.lower().split()).rstrip(".") for v in values if v.strip()}
    plain = words & {"agree", "disagree"}
    hedged = {w for w in words if w.split()[0] in _SEVEN_POINT_SIGNS}
    numbers = {int(m.group(1)) for w in words if (m := re.match(r"^\(?(\d+)", w))}
    return 7 if (plain and hedged) or (numbers & {6, 7}) else 5


# ----------------------------------------------------------------------------- the reader
def read_usability_csv(data: bytes, filename: str = "") -> UsabilityData:
    """Task rows or a form export (CSV or XLSX); see the module's docstring."""
    rows = _rows(data, filename)
    while rows and not any((c or "").strip() for c in rows[-1]):
        rows.pop()
    if not rows or not any((c or "").strip() for c in rows[0]):
        raise SourceError(1, "the file is empty; the first line must name the columns")
    header_rows = _header_rows(rows)
    columns = _columns(rows, header_rows)
    _classify(columns)
    body = list(enumerate(rows[header_rows:], start=header_rows + 1))
    participant = _participant(columns, body)
    by_role: dict[str, list[_Column]] = {}
    for c in columns:
        by_role.setdefault(c.role, []).append(c)
    has_task = "task" in by_role
    if has_task and "success" not in by_role:
        found = ", ".join(c.header for c in columns)
        raise SourceError(1, f"missing column(s): success (found: {found})")
    sus_cols = sorted(by_role.get("sus", []), key=lambda c: c.item)
    umux_cols = sorted(by_role.get("umux", []), key=lambda c: c.item)
    if sus_cols and len(sus_cols) != 10:
        missing = sorted(set(range(1, 11)) - {c.item for c in sus_cols})
        raise SourceError(1, "SUS needs all ten items; missing "
                             + "; ".join(f"item {i} ({SUS_ITEMS[i - 1]!r})" for i in missing)
                             + " -- name the columns sus_1 … sus_10 or by the statements")
    if umux_cols and len(umux_cols) != 2:
        raise SourceError(1, "UMUX-Lite needs both items: “…capabilities meet my requirements” "
                             "and “…is easy to use” (or umux_lite_1, umux_lite_2)")
    seq_cols = by_role.get("seq_task", [])
    if not (has_task or sus_cols or umux_cols or seq_cols):
        found = ", ".join(_short(c.header, 40) for c in columns[:12])
        raise SourceError(1, "no usability columns found: expected participant, task, success "
                             "(task rows) or SUS, UMUX-Lite or SEQ questions (a form export); "
                             f"found {found}")
    sus_scale = _Scale("sus", 5, _AGREE_5)
    if sus_cols:
        values = [_cell(r, c.index) for _, r in body for c in sus_cols]
        if _agreement_points(values) == 7:
            raise SourceError(1, "the SUS answers use a 7-point agreement scale (both “Agree” "
                                 "and “Somewhat agree”, or a 6 or 7); SUS is answered on 5 points")
    umux_points = 7
    if umux_cols:
        values = [_cell(r, c.index) for _, r in body for c in umux_cols]
        worded = [v for v in values if v.strip() and not v.strip()[0].isdigit()]
        umux_points = 5 if worded and _agreement_points(values) == 5 else 7
    umux_scale = _Scale("umux", umux_points, _AGREE_7 if umux_points == 7 else _AGREE_5)
    seq_scale = _Scale("seq", 7, _EASE_7)
    status = next((c for c in columns if not c.role and any(_norm(n) in ("status", "response type")
                                                           for n in c.names)), None)

    report: list[str] = []
    results: list[TaskResult] = []
    sus: dict[str, list[int]] = {}
    umux: dict[str, float] = {}
    umux_answers: dict[str, list[int]] = {}
    first_row: dict[tuple[str, str], int] = {}
    skipped: list[str] = []
    for number, (line, row) in enumerate(body, start=1):
        if not any((c or "").strip() for c in row):
            continue
        if status is not None and _cell(row, status.index).lower() in _NOT_A_RESPONSE:
            skipped.append(f"row {line}: a {_cell(row, status.index)}, not a response")
            continue
        if participant is not None:
            label = _cell(row, participant.index)[:80]
            if not label:
                raise SourceError(line, f"column {_short(participant.header)} is empty "
                                        "(which participant answered?)")
        else:
            label = f"R{number}"
        if has_task:
            results.extend(_task_row(row, line, label, by_role, seq_scale))
        for c in seq_cols:
            value = seq_scale.read(_cell(row, c.index), line, c)
            if value is not None:
                results.append(TaskResult(label, c.task, None, None, None, value))
        for kind, cols, scale, store in (("SUS", sus_cols, sus_scale, sus),
                                         ("UMUX-Lite", umux_cols, umux_scale, umux_answers)):
            if not cols:
                continue
            answers = [scale.read(_cell(row, c.index), line, c) for c in cols]
            if all(a is None for a in answers):
                continue
            if any(a is None for a in answers):
                gaps = ", ".join(str(c.item) for c, a in zip(cols, answers, strict=True) if a is None)
                skipped.append(f"row {line}: {label}'s {kind} not scored (item {gaps} unanswered)")
                continue
            full = [a for a in answers if a is not None]
            key = (kind, label)
            if label in store and store[label] != full:
                raise SourceError(line, f"participant {label!r} has two different {kind} answers "
                                        f"(rows {first_row[key]} and {line})")
            first_row.setdefault(key, line)
            store[label] = full
    for label, pair in umux_answers.items():
        umux[label] = umux_lite_score(pair, umux_points)
    if not results and not sus and not umux:
        raise SourceError(0, "no task results or questionnaire answers in the file")

    # The report: which column became what, which words which number.
    if header_rows == 3:
        report.append("Qualtrics export: question texts from its second header row")
    report.append(f"participant: column {_short(participant.header, 40)}" if participant else
                  f"no participant column: responses named R1-R{len(body)} in file order")
    if sus_cols:
        report.append("SUS items 1-10: " + ", ".join(
            f"{c.item} = {_short(h, 36)}" for c, h in zip(sus_cols, _distinct([c.header for c in sus_cols]),
                                                      strict=True)))
    if umux_cols:
        report.append(f"UMUX-Lite ({umux_points}-point): " + ", ".join(
            f"{c.item} = {_short(h, 40)}" for c, h in zip(umux_cols, _distinct([c.header for c in umux_cols]),
                                                      strict=True)))
    for c in seq_cols:
        report.append(f"SEQ of task “{c.task}”: column {_short(c.header, 50)}")
    for scale in (sus_scale, umux_scale, seq_scale):
        if scale.seen:
            pairs = sorted(scale.seen.items(), key=lambda kv: kv[1])
            report.append(f"{scale.label} words: " + ", ".join(f"“{w}” = {v}" for w, v in pairs))
    report.extend(skipped)
    report.extend(_unused(columns))
    return UsabilityData(results, sus, umux, umux_answers, umux_points, report)


def _task_row(row: list[str], line: int, label: str, by_role: dict[str, list[_Column]],
              seq_scale: _Scale) -> list[TaskResult]:
    task = _cell(row, by_role["task"][0].index)
    if not task:
        return []
    success_col = by_role["success"][0]
    raw = _cell(row, success_col.index).lower()
    if raw not in _TRUE | _FALSE:
        raise SourceError(line, f"column 'success': {_cell(row, success_col.index)!r} is not "
                                "yes/no, true/false or 1/0")

    def number(role: str, kind: type, lo: float, hi: float) -> float | None:
        cols = by_role.get(role)
        if not cols:
            return None
        value = _cell(row, cols[0].index)
        if not value:
            return None
        try:
            parsed = float(value.replace(",", ".")) if kind is float else int(value)
        except ValueError:
            raise SourceError(line, f"column {cols[0].header!r}: {value!r} is not a number") from None
        if not lo <= parsed <= hi:
            raise SourceError(line, f"column {cols[0].header!r}: {value} is outside {lo:g}-{hi:g}")
        return parsed

    seq_cols = by_role.get("seq")
    seq = seq_scale.read(_cell(row, seq_cols[0].index), line, seq_cols[0]) if seq_cols else None
    errors = number("errors", int, 0, 1000)
    return [TaskResult(label, task, raw in _TRUE, number("time", float, 0, 24 * 3600),
                       int(errors) if errors is not None else None, seq)]
