import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "@/lib/errors";
import { ERROR_STATUS } from "@/lib/http/errors";
import { openApiDocument } from "./openapi";

interface ResponseObject {
  description: string;
  content?: Record<string, { schema: { $ref?: string } }>;
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, unknown> }> };
}

const document = openApiDocument() as Document;
const errorResponses = Object.entries(document.paths).flatMap(([path, operations]) =>
  Object.entries(operations).flatMap(([method, operation]) =>
    Object.entries(operation.responses)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, response]) => ({ at: `${method} ${path} ${status}`, status, response })),
  ),
);

describe("the OpenAPI error schema", () => {
  it("lists every error code the API answers with", () => {
    expect(document.components.schemas.ErrorCode?.enum).toEqual([...ERROR_CODES]);
    expect(document.components.schemas.Error?.properties?.error).toMatchObject({
      properties: { code: { $ref: "#/components/schemas/ErrorCode" } },
    });
  });

  it("is what every error response holds, described by the codes that take its status", () => {
    expect(errorResponses.length).toBeGreaterThan(0);
    for (const { at, status, response } of errorResponses) {
      expect(response.content?.["application/json"]?.schema.$ref, at).toBe("#/components/schemas/Error");
      const codes = ERROR_CODES.filter((code) => String(ERROR_STATUS[code]) === status);
      expect(codes.length, at).toBeGreaterThan(0);
      for (const code of codes) expect(response.description, at).toContain(code);
    }
  });
});
