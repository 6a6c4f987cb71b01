// npm run bench [-- <name> ...]: runs the named benchmarks (all of them without a name) and prints figures.
import { benchAlerts } from "./alerts";
import { benchForward } from "./forward";
import { benchIngest } from "./ingest";
import { benchQuery } from "./query";
import { benchScale } from "./scale";
import { benchSdk } from "./sdk";
import { benchWaterfall } from "./waterfall";

const BENCHES: Record<string, () => Promise<void>> = {
  ingest: benchIngest,
  forward: benchForward,
  query: benchQuery,
  scale: benchScale,
  sdk: benchSdk,
  waterfall: benchWaterfall,
  alerts: benchAlerts,
};

const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const unknown = names.filter((n) => !BENCHES[n]);
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(BENCHES)) {
  console.log(`\n== bench: ${name}`);
  await BENCHES[name]!();
}
process.exit(0);
