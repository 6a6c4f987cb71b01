import type { TestProject } from "vitest/node";
import { createScratchDatabase } from "@/db/testing/postgres";
import { ensureBuild } from "@/scripts/next-bin";

declare module "vitest" {
  export interface ProvidedContext {
    serverPostgresUrl: string;
  }
}

/** The HTTP tests run the real production server: build it once, and give it a fresh Postgres database. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureBuild();
  const scratch = await createScratchDatabase("tracedeck_http");
  project.provide("serverPostgresUrl", scratch.url);
  return scratch.drop;
}
