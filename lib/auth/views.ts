import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { isUniqueViolation } from "@/db/errors";
import { savedViews } from "@/db/schema";
import { ApiError } from "@/lib/errors";
import type { Ctx } from "./context";

// Saved views: a dashboard page with its filters and time range, saved under a name for everyone who reads the
// project. A view is its URL (path and query, without the project): opening it opens that URL. Anyone who reads the
// project may save one; its author or an admin renames or deletes it.

/** Views a project keeps at most. */
export const MAX_VIEWS = 200;

/** The dashboard's pages a view can be of: a path of the console, not the API or the sign-in pages. */
const VIEW_PATH = /^\/(?!api\/|v1\/|login|setup|_next\/)[A-Za-z0-9\-._~%/]*$/;

const Name = z.string().trim().min(1, "must not be empty").max(100);

export const ViewCreate = z.object({
  name: Name,
  path: z
    .string()
    .max(500)
    .regex(VIEW_PATH, "must be a path of a dashboard page, such as /traces")
    .refine((p) => !p.startsWith("//"), "must be a path of a dashboard page, such as /traces"),
  query: z
    .string()
    .max(4000)
    .default("")
    .transform((q) => {
      // the project is the view's own: a query naming another one would open that one
      const params = new URLSearchParams(q.startsWith("?") ? q.slice(1) : q);
      params.delete("project");
      return params.toString();
    }),
});

export const ViewUpdate = z.object({ name: Name });
export const ViewParams = z.object({ id: z.uuid({ message: "must be a view id" }) });

export const SavedView = z
  .object({
    id: z.string(),
    name: z.string(),
    path: z.string(),
    query: z.string(),
    created_by_you: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "SavedView" });
export const SavedViews = z.object({ views: z.array(SavedView) });

type Row = typeof savedViews.$inferSelect;
const view = (ctx: Ctx, r: Row): z.output<typeof SavedView> => ({
  id: r.id,
  name: r.name,
  path: r.path,
  query: r.query,
  created_by_you: ctx.user !== undefined && r.createdBy === ctx.user.id,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

export async function listViews({ ctx }: { ctx: Ctx }): Promise<z.output<typeof SavedViews>> {
  const rows = await ctx.db
    .select()
    .from(savedViews)
    .where(eq(savedViews.projectId, ctx.projectId))
    .orderBy(asc(savedViews.name))
    .limit(MAX_VIEWS);
  return { views: rows.map((r) => view(ctx, r)) };
}

const taken = (name: string) => new ApiError("unprocessable", `a view named "${name}" exists already in this project`);

export async function createView({ ctx, input }: { ctx: Ctx; input: unknown }): Promise<z.output<typeof SavedView>> {
  const { name, path, query } = ViewCreate.parse(input);
  const existing = await ctx.db.$count(savedViews, eq(savedViews.projectId, ctx.projectId));
  if (existing >= MAX_VIEWS)
    throw new ApiError("unprocessable", `a project keeps at most ${MAX_VIEWS} views; delete one first`);
  const [created] = await ctx.db
    .insert(savedViews)
    .values({ projectId: ctx.projectId, name, path, query, createdBy: ctx.user?.id ?? null })
    .onConflictDoNothing({ target: [savedViews.projectId, savedViews.name] })
    .returning();
  if (!created) throw taken(name);
  return view(ctx, created);
}

/** The view, when it is the project's and the caller may change it: its author, or an admin. */
async function ownView(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.id, id), eq(savedViews.projectId, ctx.projectId)));
  if (!row) throw new ApiError("not_found", `no view ${id} in this project`);
  const admin = ctx.scopes.includes("admin");
  if (!admin && !(ctx.user && row.createdBy === ctx.user.id))
    throw new ApiError("forbidden", "only the view's author or an admin may change it");
  return row;
}

export async function renameView({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { id: string; body: unknown };
}): Promise<z.output<typeof SavedView>> {
  const { name } = ViewUpdate.parse(input.body);
  const row = await ownView(ctx, input.id);
  if (name === row.name) return view(ctx, row);
  try {
    const [updated] = await ctx.db
      .update(savedViews)
      .set({ name, updatedAt: ctx.now() })
      .where(eq(savedViews.id, row.id))
      .returning();
    return view(ctx, updated!);
  } catch (error) {
    // the name is another view's
    if (isUniqueViolation(error)) throw taken(name);
    throw error;
  }
}

export async function deleteView({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
  const row = await ownView(ctx, input.id);
  await ctx.db.delete(savedViews).where(eq(savedViews.id, row.id));
}
