// Parse every formula given on stdin (JSON: [{tex, display}]) with KaTeX; print the failures as JSON.
const katex = require("katex");
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const failures = [];
  for (const { tex, display } of JSON.parse(input)) {
    try {
      katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" });
    } catch (e) {
      failures.push({ tex, error: String(e.message || e) });
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
