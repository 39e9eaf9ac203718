/**
 * The Matrix specification's own schemas (OpenAPI 3.1 documents and event schemas: the `data/`
 * folder of matrix-org/matrix-spec at v1.19), for checking that responses are what the spec says.
 * They are read from `MATRIX_SPEC_DIR`, else from `../shared/matrix-spec` beside the checkout.
 */
import { $RefParser, type FileInfo, type JSONSchema, type Plugin } from '@apidevtools/json-schema-ref-parser';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export type JsonSchema = Record<string, unknown>;

/** `MATRIX_SPEC_DIR`, else `../shared/matrix-spec` beside the checkout. */
export const SPEC_ROOT = process.env.MATRIX_SPEC_DIR
  ? resolve(process.env.MATRIX_SPEC_DIR)
  : fileURLToPath(new URL('../../../shared/matrix-spec', import.meta.url));
const CLIENT_SERVER_DIR = join(SPEC_ROOT, 'data/api/client-server');
const EVENT_SCHEMA_DIR = join(SPEC_ROOT, 'data/event-schemas/schema');

/** Why the spec cannot be used, or undefined when it can. */
export function specUnavailableReason(): string | undefined {
  if (existsSync(CLIENT_SERVER_DIR) && existsSync(EVENT_SCHEMA_DIR)) return undefined;
  return `Matrix spec schemas not found at ${SPEC_ROOT} (expected data/api/client-server and data/event-schemas/schema)`;
}

/**
 * `describe` for tests that need the spec's schemas. A clone without them skips those tests,
 * saying where it looked; under CI (`CI` set) they run and fail, naming the missing path, so a
 * lost schema folder cannot pass unnoticed.
 */
export function describeWithSpec(name: string, body: () => void): void {
  const reason = specUnavailableReason();
  if (reason === undefined || process.env.CI) describe(name, body);
  else describe.skip(`${name} (skipped: ${reason}; set MATRIX_SPEC_DIR)`, body);
}

/**
 * The spec's YAML is read with the `yaml` package: the ref parser's own js-yaml rejects
 * whoami.yaml ("deficient indentation" in an example's flow mapping).
 */
const yamlParser: Plugin = {
  order: 1,
  canParse: ['.yaml', '.yml', '.json'],
  parse: (file: FileInfo) => parseYaml(Buffer.isBuffer(file.data) ? file.data.toString('utf8') : String(file.data)),
};

/**
 * `example`/`examples` values are documentation, and some hold `$ref`s to example files
 * (sync.yaml's media-type examples): leave them alone. A property that is merely *named*
 * "example" (a `properties/example` segment) is still a schema.
 */
const isExample = (path: string): boolean => /(?<!\/properties)\/examples?(\/|$)/.test(path);

/** RFC 6901 escaping of one JSON pointer segment. */
const pointerSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Dereferencing stops at paths `exclude` matches (JSON pointers such as `#/paths/~1sync/get`).
 * Besides examples, callers exclude the operations they do not need: some request bodies
 * point outside the published folder (registration.yaml → ../../identity/definitions/…).
 */
function dereference(absolutePath: string, exclude: (path: string) => boolean): Promise<JsonSchema> {
  const reason = specUnavailableReason();
  if (reason !== undefined) return Promise.reject(new Error(reason));
  const matcher = (path: string) => isExample(path) || exclude(path);
  return $RefParser
    .dereference(absolutePath, {
      parse: { yaml: yamlParser, json: false, text: false, binary: false },
      resolve: { http: false },
      resolveExcludedPathMatcher: matcher,
      dereference: { excludedPathMatcher: matcher, circular: false },
    })
    .then((schema: JSONSchema) => schema as JsonSchema);
}

/** Dereferenced documents by file and kept pointer, so each file part is read once per run. */
const documents = new Map<string, Promise<JsonSchema>>();

function cached(key: string, load: () => Promise<JsonSchema>): Promise<JsonSchema> {
  let loaded = documents.get(key);
  if (!loaded) {
    loaded = load();
    documents.set(key, loaded);
  }
  return loaded;
}

function child(node: unknown, key: string, where: string): unknown {
  if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`spec has no ${where}`);
  return (node as Record<string, unknown>)[key];
}

/**
 * The schema of a response's `application/json` body, from a client-server OpenAPI file, e.g.
 * `responseSchema('presence.yaml', '/presence/{userId}/status', 'get', 200)`. `path` is spelt as
 * in the file, without the `/_matrix/client/v3` prefix.
 */
export async function responseSchema(file: string, path: string, method: string, status: number): Promise<JsonSchema> {
  const verb = method.toLowerCase();
  const target = ['#', 'paths', path, verb, 'responses', String(status), 'content', 'application/json', 'schema']
    .map((segment, index) => (index === 0 ? segment : pointerSegment(segment)))
    .join('/');
  // Under #/paths, keep only the target's ancestors and the target's subtree; #/components stays.
  const outsideTarget = (pointer: string) =>
    pointer.startsWith('#/paths') && !target.startsWith(`${pointer}/`) && pointer !== target && !pointer.startsWith(`${target}/`);
  const document = await cached(`${file}${target}`, () => dereference(join(CLIENT_SERVER_DIR, file), outsideTarget));

  const where = `${file} ${method.toUpperCase()} ${path}`;
  const operation = child(child(child(document, 'paths', `${file} paths`), path, where), verb, where);
  const response = child(child(operation, 'responses', `${where} responses`), String(status), `${where} ${status}`);
  const content = child(child(response, 'content', `${where} ${status} content`), 'application/json', `${where} ${status} JSON`);
  return child(content, 'schema', `${where} ${status} schema`) as JsonSchema;
}

/** A schema file under client-server/, e.g. `definitions/errors/error.yaml`. */
export function clientServerSchema(relativePath: string): Promise<JsonSchema> {
  return cached(relativePath, () => dereference(join(CLIENT_SERVER_DIR, relativePath), () => false));
}

/** An event schema by its file name without `.yaml`, e.g. `m.presence` or `m.room.message$m.text`. */
export function eventSchema(name: string): Promise<JsonSchema> {
  return cached(`event:${name}`, () => dereference(join(EVENT_SCHEMA_DIR, `${name}.yaml`), () => false));
}

/**
 * The spec's custom string formats (data/string-formats.yaml upstream, which only gives the
 * prefixes; the grammars are from the appendices, kept loose where room versions differ).
 */
const MATRIX_FORMATS: Record<string, RegExp> = {
  'mx-user-id': /^@[^:]+:.+$/,
  // Room IDs from room version 12 on carry no server name.
  'mx-room-id': /^![^:]+(:.+)?$/,
  'mx-event-id': /^\$.+$/,
  'mx-room-alias': /^#[^:]*:.+$/,
  'mx-server-name': /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
  'mx-mxc-uri': /^mxc:\/\/[A-Za-z0-9.:[\]-]+\/[A-Za-z0-9_-]+$/,
  'mx-unpadded-base64': /^[A-Za-z0-9+/]*$/,
  'mx-urlsafe-unpadded-base64': /^[A-Za-z0-9_-]*$/,
};

let ajvInstance: Ajv2020 | undefined;
function ajv(): Ajv2020 {
  if (!ajvInstance) {
    // strict: false lets Ajv ignore OpenAPI keywords (example, x-addedInMatrixVersion, …).
    ajvInstance = new Ajv2020({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its default import is the plugin itself at run time.
    (ajvFormats as unknown as (instance: Ajv2020) => Ajv2020)(ajvInstance);
    for (const [name, pattern] of Object.entries(MATRIX_FORMATS)) ajvInstance.addFormat(name, pattern);
  }
  return ajvInstance;
}

const validators = new WeakMap<JsonSchema, ValidateFunction>();
function validator(schema: JsonSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv().compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

function describeError(error: ErrorObject): string {
  return `  ${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)} (schema ${error.schemaPath})`;
}

/** Throws an Error listing every Ajv error (instance path + message) when `value` does not match. */
export function assertMatchesSchema(schema: JsonSchema, value: unknown, label = 'value'): void {
  const validate = validator(schema);
  if (validate(value)) return;
  const errors = (validate.errors ?? []).map(describeError).join('\n');
  throw new Error(`${label} does not match the spec schema:\n${errors}`);
}
