// Bundles the site's browser script: web/src/main.js -> twei/site/static/app.js (one ES module,
// minified, ES2020), and checks its gzipped size stays within the budget.
//   node web/build.mjs [outfile]
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUDGET = 100 * 1024; // bytes, gzipped
const here = dirname(fileURLToPath(import.meta.url));
const outfile = process.argv[2] || join(here, "..", "twei", "site", "static", "app.js");

await build({
  entryPoints: [join(here, "src", "main.js")],
  outfile,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  logLevel: "warning",
});

const bytes = readFileSync(outfile);
const gzipped = gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`${outfile}: ${kb(bytes.length)}, ${kb(gzipped)} gzipped (budget ${kb(BUDGET)})`);
if (gzipped > BUDGET) {
  console.error("the bundle is over its gzipped budget");
  process.exit(1);
}
