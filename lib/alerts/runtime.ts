import type { Database } from "@/db";
import { repeat } from "@/lib/storage/repeat";
import { deliverNotifications } from "./deliver";
import { evaluateAlerts, pruneAlertHistory } from "./evaluate";

// Two loops per node: the evaluator claims the rules due this minute (so a rule is evaluated once a
// minute whatever the number of nodes), and the sender delivers the outbox. They run apart, so a
// channel that takes its time answering never delays an evaluation.

export function startAlerts(
  database: Database,
  options: { intervalMs: number; log?: (message: string) => void },
): () => void {
  const log = options.log ?? ((message: string) => console.log(`tracedeck: ${message}`));
  // each said once until a pass succeeds again, not every few seconds
  const failing = { evaluate: false, deliver: false };
  const loop = (name: keyof typeof failing, pass: () => Promise<unknown>) =>
    repeat(async () => {
      try {
        await pass();
        failing[name] = false;
      } catch (error) {
        if (!failing[name])
          log(
            `alerts: ${name === "evaluate" ? "evaluation" : "sending notifications"} failed, trying again: ${(error as Error).message}`,
          );
        failing[name] = true;
      }
      return options.intervalMs;
    });
  let pruned = 0;
  const stops = [
    loop("evaluate", async () => {
      await evaluateAlerts(database);
      // the history past its days goes once an hour
      if (Date.now() - pruned > 3_600_000) {
        await pruneAlertHistory(database);
        pruned = Date.now();
      }
    }),
    loop("deliver", async () => {
      // a full batch sent: the next goes at once
      while ((await deliverNotifications(database)).delivered >= 50);
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
