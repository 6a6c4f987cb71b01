// The demo's command line: where to send, with which key, how much.
import { parseArgs } from "node:util";
import { randomSeed } from "./random";

/** The port `npm start` serves on: PORT as the server reads it (lib/config.ts), else 3000. */
function port(value: string | undefined): number {
  if (value === undefined) return 3000;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new Error(`PORT must be a port number (1-65535), not "${value}"`);
  return n;
}

export const USAGE = `usage: npm run demo -- [options]
  --url <url>            the Tracedeck server (default: $TRACEDECK_URL, else http://localhost:$PORT,
                         the port npm start serves on, 3000 when PORT is unset)
  --key <id:secret>      an ingest key (default: $TRACEDECK_KEY, else a new key is made for --project)
  --project <slug>       the project a new key belongs to, and the dashboard shows (default: default)
  --backfill <minutes>   history to send first, ending now (default: 30)
  --minutes <n>          live traffic afterwards, in minutes; 0 stops after the history (default: 3)
  --seed <n>             makes the shop's traffic repeatable (default: random)`;

export interface Options {
  url: string;
  key: string | undefined;
  project: string;
  backfillMinutes: number;
  liveMinutes: number;
  seed: number;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined> = process.env): Options {
  /** Empty environment variables mean unset, as lib/config.ts reads them. */
  const fromEnv = (name: string) => env[name]?.trim() || undefined;
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      key: { type: "string" },
      project: { type: "string", default: "default" },
      backfill: { type: "string", default: "30" },
      minutes: { type: "string", default: "3" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const minutes = (text: string, flag: string) => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} takes a number of minutes (0 or more), not "${text}"`);
    return n;
  };
  let seed = randomSeed();
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isInteger(seed)) throw new Error(`--seed takes an integer, not "${values.seed}"`);
  }
  return {
    url: (values.url ?? fromEnv("TRACEDECK_URL") ?? `http://localhost:${port(fromEnv("PORT"))}`).replace(/\/+$/, ""),
    key: values.key ?? fromEnv("TRACEDECK_KEY"),
    project: values.project,
    backfillMinutes: minutes(values.backfill, "--backfill"),
    liveMinutes: minutes(values.minutes, "--minutes"),
    seed,
  };
}
