import "server-only";
import { projects } from "./schema";
import type { Db } from "./client";

export const DEFAULT_PROJECT_SLUG = "default";

/** A first start creates the `default` project. */
export async function ensureDefaultProject(db: Db): Promise<void> {
  await db
    .insert(projects)
    .values({ slug: DEFAULT_PROJECT_SLUG, name: "Default" })
    .onConflictDoNothing({ target: projects.slug });
}
