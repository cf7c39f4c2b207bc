// Builds the widget into surveyapp/static/embed/v1/ (committed, so a Python-only install
// works), each file with its precompressed .gz and .br twins for the server to send as
// they are. The loader asks for renderer.js?v=<hash of the renderer>, so a renderer URL
// never changes content and is cached for a year. `node build.mjs --check` rebuilds in
// memory and fails when the committed files are stale.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "surveyapp", "static", "embed", "v1");
const check = process.argv.includes("--check");
// renderer first: the loader is built with its version. The loader was 3,424 of 3,450 B
// before surveyapp("personalize"); its hook (the queue, the lazy chunk, cb(null) offline)
// is 79 B of the 3,520 (the widget itself is personalize.js, loaded only when called).
// Question-type chunks come before the renderer, which is built with their versions
// (CHUNKS: type -> "file?v=hash") and fetches one only when a survey holds one of its types.
const chunks = { "q-input.js": ["number", "slider", "date", "contact", "statement"],
  "q-rich.js": ["ranking", "matrix", "picture_choice", "file_upload"] };
const budgets = { "q-input.js": 3072, "q-rich.js": 3072, "renderer.js": 10 * 1024, "clicks.js": 1024, "personalize.js": 2048, "loader.js": 3520, "heatmap.js": 3072 };
const versions = {};
let stale = [];

function chunkTypes() {
  const out = {};
  for (const [file, types] of Object.entries(chunks)) for (const t of types) out[t] = `${file}?v=${versions[file]}`;
  return out;
}

function emit(target, data) {
  if (check) {
    let current = null;
    try { current = readFileSync(target); } catch {}
    if (!current || !current.equals(data)) stale.push(target.slice(out.length + 1));
  } else {
    writeFileSync(target, data);
  }
}

for (const name of Object.keys(budgets)) {
  const result = await build({
    entryPoints: [join(here, "src", name)],
    bundle: true, minify: true, write: false, format: "iife", target: ["es2019"],
    legalComments: "none", charset: "utf8",
    define: { RENDERER_VERSION: JSON.stringify(versions["renderer.js"] || ""), CHUNKS: JSON.stringify(chunkTypes()) },
  });
  const code = Buffer.from(result.outputFiles[0].text);
  versions[name] = createHash("sha256").update(code).digest("hex").slice(0, 12);
  const gz = gzipSync(code, { level: 9 });
  const br = brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  const target = join(out, name);
  console.log(`${name}: ${code.length} B, ${gz.length} B gzip, ${br.length} B brotli (budget ${budgets[name]} B gzip)`);
  if (gz.length > budgets[name]) { console.error(`${name} is over its gzip budget`); process.exitCode = 1; }
  if (!check) mkdirSync(out, { recursive: true });
  emit(target, code);
  emit(target + ".gz", gz);
  emit(target + ".br", br);
}
if (stale.length) {
  console.error(`stale build: ${stale.join(", ")} (run: npm --prefix embed run build)`);
  process.exitCode = 1;
}
