import type { TestProject } from "vitest/node";
import { openDatabase } from "../client";
import { createScratchDatabase } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** vitest globalSetup for the Postgres project: a fresh, migrated database per run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = await createScratchDatabase("tracedeck_test");
  const database = openDatabase({ driver: "postgres", url: scratch.url, poolSize: 1 });
  await database.migrate();
  await database.close();
  project.provide("postgresUrl", scratch.url);
  return scratch.drop;
}
