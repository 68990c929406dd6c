// Builds heli/static/vendor/echarts-6.1.0-heli.min.js from entry.js: `npm ci && npm run build`.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2017",
  legalComments: "none",
  banner: { js: readFileSync("banner.txt", "utf8").trimEnd() },
  outfile: "../../heli/static/vendor/echarts-6.1.0-heli.min.js",
});
