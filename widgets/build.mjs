// Builds the canvas front end into ../meshlab/static/canvas.js.
// Deterministic on purpose: tests/test_bundle.py rebuilds into a temp dir and compares bytes
// with the committed bundle, so no timestamps, no absolute paths, no sourcemaps.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const argIdx = process.argv.indexOf("--outdir");
const outdir = argIdx > 0 ? path.resolve(process.argv[argIdx + 1]) : path.join(here, "..", "meshlab", "static");

await build({
  absWorkingDir: here,
  entryPoints: ["src/index.ts"],
  outfile: path.join(outdir, "canvas.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["es2020"],
  minify: true,
  legalComments: "none",
  sourcemap: false,
  charset: "utf8",
  logLevel: "warning",
});
