// Builds the widget into surveyapp/static/embed/v1/ (committed, so a Python-only install
// works). `node build.mjs --check` rebuilds in memory and fails when the committed files
// are stale.
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "surveyapp", "static", "embed", "v1");
const check = process.argv.includes("--check");
const budgets = { "loader.js": 3400, "renderer.js": 10 * 1024, "clicks.js": 1024 };
let stale = [];

for (const name of Object.keys(budgets)) {
  const result = await build({
    entryPoints: [join(here, "src", name)],
    bundle: true, minify: true, write: false, format: "iife", target: ["es2019"],
    legalComments: "none", charset: "utf8",
  });
  const code = result.outputFiles[0].text;
  const gz = gzipSync(code, { level: 9 }).length;
  const target = join(out, name);
  console.log(`${name}: ${code.length} B, ${gz} B gzip (budget ${budgets[name]} B)`);
  if (gz > budgets[name]) { console.error(`${name} is over its gzip budget`); process.exitCode = 1; }
  if (check) {
    let current = "";
    try { current = readFileSync(target, "utf8"); } catch {}
    if (current !== code) stale.push(name);
  } else {
    mkdirSync(out, { recursive: true });
    writeFileSync(target, code);
  }
}
if (stale.length) {
  console.error(`stale build: ${stale.join(", ")} (run: npm --prefix embed run build)`);
  process.exitCode = 1;
}
