import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { projects, publishers } from "@/db/schema";
import { PUBLISHER_TYPES, validateConfig } from "./config";
import { defaultGuard } from "./egress";
import { sealSecrets } from "./secrets";
import { checkTargets } from "./targets";
import { errorMessage } from "@/lib/shared/error-message";

// TRACEDECK_PUBLISHERS: server-side publishers declared in the environment (deployments that keep
// configuration in code). At start each one is created, or updated to match, under its name in
// its project (default "default"); from then on it shows and runs like one saved from the page.

const EnvPublisher = z.object({
  project: z.string().min(1).default("default"),
  name: z.string().trim().min(1).max(200),
  type: z.enum(PUBLISHER_TYPES),
  config: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
});
const EnvPublishers = z.array(EnvPublisher);

/** Saves the publishers the environment declares; returns what could not be saved, one line each (nothing else stops). */
export async function applyEnvPublishers(db: Db, json: string): Promise<{ saved: number; problems: string[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return { saved: 0, problems: [`TRACEDECK_PUBLISHERS is not JSON: ${errorMessage(error)}`] };
  }
  const list = EnvPublishers.safeParse(Array.isArray(parsed) ? parsed : [parsed]);
  if (!list.success)
    return {
      saved: 0,
      problems: [
        `TRACEDECK_PUBLISHERS: ${list.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      ],
    };
  const problems: string[] = [];
  let saved = 0;
  for (const p of list.data) {
    try {
      const [project] = await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, p.project));
      if (!project) throw new Error(`no project "${p.project}"`);
      const checked = validateConfig(p.type, p.config);
      await checkTargets(p.type, checked, defaultGuard());
      const [existing] = await db
        .select({ id: publishers.id })
        .from(publishers)
        .where(and(eq(publishers.projectId, project.id), eq(publishers.origin, "server"), eq(publishers.name, p.name)));
      const id = existing?.id ?? randomUUID();
      const config = sealSecrets(checked, { projectId: project.id, publisherId: id });
      if (existing)
        await db
          .update(publishers)
          .set({ type: p.type, config, enabled: p.enabled, updatedAt: new Date() })
          .where(eq(publishers.id, id));
      else
        await db.insert(publishers).values({
          id,
          projectId: project.id,
          name: p.name,
          type: p.type,
          origin: "server",
          config,
          enabled: p.enabled,
        });
      saved += 1;
    } catch (error) {
      problems.push(`TRACEDECK_PUBLISHERS ${p.name}: ${errorMessage(error)}`);
    }
  }
  return { saved, problems };
}
