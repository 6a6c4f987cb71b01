import { createDocument, type ZodOpenApiPathsObject } from "zod-openapi";
import { z } from "zod";
import pkg from "@/package.json";
import { SESSION_COOKIE } from "@/lib/auth/users";
import { ERROR_CODES } from "@/lib/errors";
import { ERROR_STATUS } from "@/lib/http/errors";
import type { Endpoint } from "./endpoint";
import { endpoints } from "./endpoints";

const ErrorCode = z
  .enum(ERROR_CODES)
  .meta({ id: "ErrorCode", description: "what went wrong; the status follows from it" });

const ErrorEnvelope = z
  .object({
    error: z.object({
      code: ErrorCode,
      message: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

/** The codes answered with an HTTP status, for that status's description. */
const codesOf = (status: string) => ERROR_CODES.filter((code) => String(ERROR_STATUS[code]) === status).join(", ");

const errorResponses = (endpoint: Endpoint) => {
  const statuses = endpoint.scope ? ["400", "401", "403", "503"] : ["503"];
  if (endpoint.body) statuses.push("400", "413", "415");
  if (endpoint.params) statuses.push("404");
  return Object.fromEntries(
    [...new Set(statuses)].map((status) => [
      status,
      { description: `error: ${codesOf(status)}`, content: { "application/json": { schema: ErrorEnvelope } } },
    ]),
  );
};

let cached: unknown;

/** OpenAPI 3.1, generated from the endpoint declarations the handlers run on. */
export function openApiDocument(): unknown {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const [operationId, endpoint] of Object.entries(endpoints) as [string, Endpoint][]) {
    const contentTypes = endpoint.bodyContentTypes ?? ["application/json"];
    paths[endpoint.path] ??= {};
    paths[endpoint.path]![endpoint.method] = {
      operationId,
      summary: endpoint.summary,
      ...(endpoint.description ? { description: endpoint.description } : {}),
      tags: [endpoint.tag],
      // {} last: the endpoint also answers some requests without credentials
      security: !endpoint.scope
        ? []
        : endpoint.scope === "instance"
          ? [{ session: [] }]
          : [
              { bearerKey: [] },
              { apiKey: [] },
              { telemetryFlowKey: [], telemetryFlowSecret: [] },
              ...(endpoint.anonymous ? [{}] : []),
            ],
      requestParams: {
        ...(endpoint.query ? { query: endpoint.query } : {}),
        ...(endpoint.params ? { path: endpoint.params } : {}),
      },
      ...(endpoint.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(contentTypes.map((t) => [t, { schema: endpoint.body! }])),
            },
          }
        : {}),
      responses: {
        [String(endpoint.status ?? 200)]:
          endpoint.status === 204
            ? { description: "done" }
            : { description: "success", content: { [contentTypes[0]!]: { schema: endpoint.response } } },
        ...errorResponses(endpoint),
      },
    };
  }
  cached = createDocument({
    openapi: "3.1.0",
    info: {
      title: "Tracedeck API",
      version: pkg.version,
      description: "Ingest and query traces, metrics, logs, events and task-pipeline telemetry.",
    },
    paths,
    components: {
      securitySchemes: {
        bearerKey: { type: "http", scheme: "bearer", description: "<key_id>:<key_secret>, or an OAuth access token" },
        apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "<key_id>:<key_secret>" },
        telemetryFlowKey: { type: "apiKey", in: "header", name: "X-TelemetryFlow-Key-ID" },
        telemetryFlowSecret: { type: "apiKey", in: "header", name: "X-TelemetryFlow-Key-Secret" },
        session: {
          type: "apiKey",
          in: "cookie",
          name: SESSION_COOKIE,
          description:
            "a signed-in admin's session (POST /api/v1/auth/login): accounts, projects and instance settings take one; keys act only within their project",
        },
      },
    },
  });
  return cached;
}
