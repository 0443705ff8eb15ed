// Checks admin API responses against the OpenAPI document the server serves: the document itself
// against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator), each response's status,
// content type and body against the operation it answers (ajv, JSON Schema 2020-12). Every call
// made through `AdminApiClient` is checked; `unexercised()` names the operations no test called.
import { expect } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface Operation {
  operationId: string;
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** The served document, checked against the OpenAPI schema, and a checker of responses. */
export async function loadOpenApi(url: string): Promise<OpenApiChecker> {
  const document = (await (await fetch(url)).json()) as OpenApiDocument;
  const validator = new Validator();
  const result = await validator.validate(
    structuredClone(document) as unknown as Parameters<Validator['validate']>[0],
  );
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
  return new OpenApiChecker(document);
}

export class OpenApiChecker {
  readonly #document: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();
  readonly #called = new Set<string>();

  constructor(document: OpenApiDocument) {
    this.#document = document;
    this.#ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema({ $id: 'doc', ...document });
  }

  /** Every operation id of the document. */
  operationIds(): string[] {
    return Object.values(this.#document.paths).flatMap((item) =>
      METHODS.flatMap((method) => {
        const operation = item[method] as Operation | undefined;
        return operation ? [operation.operationId] : [];
      }),
    );
  }

  /** The operations that no checked response answered yet. */
  unexercised(): string[] {
    return this.operationIds().filter((id) => !this.#called.has(id));
  }

  /**
   * Checks that `response` (to `method` on `path`, relative to the API's root, without query) is
   * one the document allows, with a body its schema accepts. Answers the operation id.
   */
  check(method: string, path: string, status: number, contentType: string, body: unknown): string {
    const [template, item] = this.#match(path);
    const operation = item[method.toLowerCase()] as Operation | undefined;
    if (!operation) throw new Error(`the document has no ${method} ${template}`);
    const response = operation.responses[String(status)];
    if (!response) {
      throw new Error(`${operation.operationId} does not document status ${status}`);
    }
    const resolved = response.$ref
      ? this.#document.components.responses[response.$ref.split('/').pop()!]!
      : response;
    const pointer = response.$ref
      ? `${response.$ref.slice(1)}/content`
      : `/paths/${escape(template)}/${method.toLowerCase()}/responses/${status}/content`;
    if (!resolved.content) {
      expect({ operation: operation.operationId, status, body }).toEqual({
        operation: operation.operationId,
        status,
        body: undefined,
      });
    } else {
      const type = contentType.split(';')[0]!.trim();
      const media = Object.keys(resolved.content);
      expect({ operation: operation.operationId, type }).toEqual({
        operation: operation.operationId,
        type: expect.stringMatching(new RegExp(`^(${media.map(escapeRegExp).join('|')})$`)),
      });
      if (resolved.content[type]?.schema) {
        const validate = this.#validator(`doc#${pointer}/${escape(type)}/schema`);
        if (!validate(body)) {
          throw new Error(
            `${operation.operationId} ${status}: the body breaks the schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(body)}`,
          );
        }
      }
    }
    this.#called.add(operation.operationId);
    return operation.operationId;
  }

  #match(path: string): [string, Record<string, unknown>] {
    const segments = path.split('/');
    for (const [template, item] of Object.entries(this.#document.paths)) {
      const parts = template.split('/');
      if (parts.length !== segments.length) continue;
      if (parts.every((part, i) => part.startsWith('{') || part === segments[i])) {
        return [template, item];
      }
    }
    throw new Error(`the document has no path matching ${path}`);
  }

  #validator(ref: string): ValidateFunction {
    let validate = this.#compiled.get(ref);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref });
      this.#compiled.set(ref, validate);
    }
    return validate;
  }
}

// A JSON pointer token (RFC 6901), URI-encoded for use in a $ref.
function escape(token: string): string {
  return encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
