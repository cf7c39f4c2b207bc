// Branching: where a respondent goes after answering a question. The server has the same
// rules in surveyapp/surveys/definition.py (next_question); tests/fixtures/
// branching_cases.json holds the cases both must agree on, and says why each rule is so.

var own = Object.prototype.hasOwnProperty;
var NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

// Missing, null, empty text and nothing picked are no answer; so is a required consent
// left unticked.
export function empty(q, v) {
  return v == null || v === "" || (Array.isArray(v) && !v.length) || (q.type == "consent" && q.required && v === false);
}

// A number, or text spelling one ("7", "-1.5"); null for anything else.
function number(x) {
  return typeof x == "number" ? (isFinite(x) ? x : null) : typeof x == "string" && NUMBER.test(x) ? +x : null;
}
// eq: a number against a number or text spelling one; text against text after NFC;
// true and false only against themselves.
function same(a, v) {
  if (typeof a == "boolean" || typeof v == "boolean") return a === v;
  if (typeof a == "number" || typeof v == "number") {
    var x = number(a), y = number(v);
    return x != null && y != null && x == y;
  }
  return typeof a == "string" && typeof v == "string" && a.normalize() == v.normalize();
}
// contains: case-insensitive with full case folding (ß is ss, final ς is σ).
function fold(x) {
  x = typeof x == "string" ? x : typeof x == "number" ? String(x) : null;
  return x == null ? null : x.normalize().toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, "σ");
}
// An Other answer, stored as "other:text" or held as {other: text}, is the choice "other".
function choice(x) {
  return typeof x == "string" && x.indexOf("other:") == 0 || x && typeof x == "object" && own.call(x, "other") ? "other" : x;
}

function matches(when, a, present) {
  if (!when) return true;
  var op = when.op, v = when.value, vs = [].concat(v);
  if (op == "answered") return present;
  if (op == "skipped") return !present;
  if (!present) return false;
  function among(x) { return vs.some(function (y) { return same(x, y); }); }
  if (Array.isArray(a)) {  // multiple choice: contains = picked, in = any picked, not_in = none
    var any = a.some(among);
    return op == "contains" || op == "in" ? any : op == "not_in" ? !any : false;
  }
  if (op == "eq" || op == "in") return among(a);
  if (op == "neq" || op == "not_in") return !among(a);
  if (op == "contains") {
    var text = fold(a), part = fold(v);
    return text != null && part != null && text.indexOf(part) > -1;
  }
  var x = number(a), y = number(v);
  return x != null && y != null && (op == "lt" ? x < y : op == "lte" ? x <= y : op == "gt" ? x > y : op == "gte" && x >= y);
}

// The visible question ids page by page: without s.pages each question is a page of its
// own; with it a page starts at the first question and at each of s.pages.breaks.
export function pagesOf(s) {
  var out = [], br = (s.pages && s.pages.breaks) || [];
  (s.questions || []).forEach(function (q) {
    if (q.type == "hidden") return;
    if (!out.length || !s.pages || br.indexOf(q.id) > -1) out.push([]);
    out[out.length - 1].push(q.id);
  });
  return out;
}

// Each variable's value: the sum of the numbers answered among its questions (none
// answered: no value).
export function vars(s, answers) {
  var out = Object.create(null);
  (s.variables || []).forEach(function (v) {
    var got = v.sum.map(function (id) { return own.call(answers, id) ? answers[id] : null; })
      .filter(function (a) { return typeof a == "number" && isFinite(a); });
    if (got.length) out[v.id] = got.reduce(function (x, y) { return x + y; });
  });
  return out;
}

// The question id after `id` (or "end"), given the answers so far. With pages, a page's
// questions follow one another and its rules (from any question on it, in their order) run
// after its last one, as on the server.
export function next(s, id, answers) {
  var qs = s.questions || [], byId = Object.create(null), rules = s.logic || [];
  qs.forEach(function (q) { byId[q.id] = q; });
  var page = pagesOf(s).filter(function (p) { return p.indexOf(id) > -1; })[0] || [id], last = page[page.length - 1];
  if (id != last) return page[page.indexOf(id) + 1];
  var computed = vars(s, answers), isVar = Object.create(null);
  (s.variables || []).forEach(function (v) { isVar[v.id] = 1; });
  for (var i = 0; i < rules.length; i++) {
    if (page.indexOf(rules[i].from) < 0) continue;
    var when = rules[i].when, subj = (when && when.question) || rules[i].from, q = byId[subj], a, present;
    if (isVar[subj]) { a = computed[subj]; present = a != null; }
    else { a = own.call(answers, subj) ? answers[subj] : undefined; present = !!q && !empty(q, a); }
    if (q && (q.type == "single_choice" || q.type == "multiple_choice")) a = Array.isArray(a) ? a.map(choice) : choice(a);
    if (matches(when, a, present)) {
      var to = rules[i].jump_to || "end";
      if (to == "end" || byId[to] && byId[to].type != "hidden") return to;
    }
  }
  var vis = qs.filter(function (q) { return q.type != "hidden"; }).map(function (q) { return q.id; });
  var at = vis.indexOf(last);
  return at > -1 && at + 1 < vis.length ? vis[at + 1] : "end";
}

// Recall: {{id}} or {{id|fallback}} in a text becomes an earlier answer (a choice's label,
// the text of Other), a hidden field or a variable. It returns text; the renderer puts it
// in text nodes, so an answer holding markup is shown as characters, never run.
export function recall(text, s, answers, lq) {
  if (!text || text.indexOf("{{") < 0) return text;
  var computed = vars(s, answers);
  return text.replace(/\{\{\s*([a-z0-9_]+)\s*(?:\|([^{}]*))?\}\}/g, function (m, id, fb) {
    var a = own.call(computed, id) ? computed[id] : own.call(answers, id) ? answers[id] : null, q = lq(id);
    var label = function (c) {
      if (c && typeof c == "object") return c.other;
      if (typeof c == "string" && c.indexOf("other:") == 0) return c.slice(6);
      var hit = q && (q.choices || []).filter(function (x) { return x.id == c; })[0];
      return hit ? hit.label : c;
    };
    var out = Array.isArray(a) ? a.map(label).join(", ") : typeof a == "boolean" ? null : a == null ? null : String(label(a));
    return out == null || out === "" ? (fb || "").trim() : out;
  });
}
