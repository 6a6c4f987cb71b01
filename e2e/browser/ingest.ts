import { expect, type APIRequestContext } from "@playwright/test";
import { e2eServer } from "./target";

export const ingestKey = () => e2eServer().key;

export async function post(request: APIRequestContext, path: string, data: unknown, key = ingestKey()): Promise<void> {
  const response = await request.post(path, { headers: { authorization: `Bearer ${key}` }, data });
  const text = await response.text();
  expect(response.status(), text).toBe(200);
  expect(JSON.parse(text)).toMatchObject({ rejected: 0 });
}

/** A project of its own (so its pages start empty) and an ingest key for it, made through the settings API. */
export async function freshProject(request: APIRequestContext, slug: string): Promise<string> {
  // a session changes settings only from the site's own pages: say so, as the browser would
  const headers = { origin: e2eServer().url };
  const created = await request.post("/api/v1/projects", { headers, data: { slug, name: `Project ${slug}` } });
  expect(created.status(), await created.text()).toBe(201);
  const key = await request.post(`/api/v1/keys?project=${slug}`, {
    headers,
    data: { name: "e2e", scopes: ["ingest"] },
  });
  expect(key.status()).toBe(201);
  const body = (await key.json()) as { key_id: string; secret: string };
  return `${body.key_id}:${body.secret}`;
}
