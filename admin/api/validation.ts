// Input checked against the OpenAPI document's schemas (ajv, JSON Schema 2020-12, the dialect of
// OpenAPI 3.1), before any domain service sees it: a body that breaks the schema is a 400 listing
// each broken rule, and nothing is written.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { SCHEMAS } from './openapi.ts';
import { Problem } from './problem.ts';

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats.default(ajv);
ajv.addKeyword('components');
ajv.addSchema({ $id: 'admin', components: { schemas: SCHEMAS } });

const compiled = new Map<string, ValidateFunction>();

/** `body` as the schema `name` describes it; a Problem (invalid_input) listing what is wrong. */
export function checkBody<T>(name: string, body: unknown): T {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`admin#/components/schemas/${name}`);
    if (!validate) throw new Error(`no schema ${name}`);
    compiled.set(name, validate);
  }
  if (!validate(body)) {
    const errors = (validate.errors ?? []).map(describe);
    throw new Problem(
      'invalid_input',
      errors.map((error) => `${error.pointer}: ${error.message}`).join('; '),
      {
        errors,
      },
    );
  }
  return body as T;
}

function describe(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as { additionalProperty?: string; missingProperty?: string };
  const extra = params.additionalProperty ?? params.missingProperty;
  const pointer = extra ? `${error.instancePath}/${extra}` : error.instancePath || '/';
  const message =
    error.keyword === 'additionalProperties'
      ? 'is not a known field'
      : (error.message ?? 'is invalid');
  return { pointer, message };
}
