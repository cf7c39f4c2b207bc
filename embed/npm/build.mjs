// Builds the npm package: dist/index.js (ES module, esbuild) and dist/index.d.ts (tsc).
// `node build.mjs --check` rebuilds into a temporary directory and fails if the committed
// dist/ differs from what the source gives.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const check = process.argv.includes("--check");
const out = check ? mkdtempSync(join(tmpdir(), "surveyapp-npm-")) : join(here, "dist");

await build({
  entryPoints: [join(here, "src/index.ts")],
  outfile: join(out, "index.js"),
  bundle: true,
  format: "esm",
  target: "es2019",
  legalComments: "none",
  logLevel: "warning",
});
execFileSync(join(here, "node_modules/.bin/tsc"), ["-p", join(here, "tsconfig.json"), "--outDir", out],
  { stdio: "inherit" });

if (check) {
  const names = readdirSync(out).sort();
  const stale = names.filter((n) => {
    try { return readFileSync(join(out, n), "utf8") !== readFileSync(join(here, "dist", n), "utf8"); }
    catch { return true; }
  });
  const extra = readdirSync(join(here, "dist")).filter((n) => !names.includes(n));
  rmSync(out, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error("embed/npm/dist is stale (" + stale.concat(extra).join(", ") + "): run `npm run build --prefix embed/npm`");
    process.exit(1);
  }
}
