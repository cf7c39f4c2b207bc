// Runs branching cases through the widget's evaluator (embed/src/logic.js) for
// tests/surveys/test_branching_cases.py: reads [{name, definition, at, answers}] as JSON
// on stdin and writes {name: next question id or "end"} as JSON on stdout.
import { readFileSync } from "node:fs";

// Loaded from a data: URL, so any Node version takes it as a module (embed/ has no
// "type": "module"; esbuild does not mind).
const source = readFileSync(new URL("../../embed/src/logic.js", import.meta.url), "utf8");
const { next } = await import("data:text/javascript;base64," + Buffer.from(source).toString("base64"));

const out = {};
for (const c of JSON.parse(readFileSync(0, "utf8"))) {
  try {
    out[c.name] = next(c.definition, c.at, c.answers);
  } catch (e) {
    out[c.name] = "error: " + e.message;
  }
}
process.stdout.write(JSON.stringify(out));
