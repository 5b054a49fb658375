/** Building blocks of the hostile-input sweep: what to send, and what a safe answer looks like. */

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}
export interface Operation {
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
export interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
}

export const INJECTIONS = [
  `'; DROP TABLE subscribers; --`,
  `" OR "1"="1`,
  `{{constructor.constructor('return process')().exit()}}`,
  `{{#with "s" as |string|}}{{string.sub.apply 0 "constructor"}}{{/with}}`,
  `\${7*7}<%= 7*7 %>`,
  `<script>alert(1)</script>`,
  `../../../../etc/passwd`,
  `\u0000nul`,
];

/** Values that must never name a resource. */
export const HOSTILE_IDS = [
  'not-a-uuid',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2fadmin',
  `1'%20OR%20'1'%3D'1`,
  '00000000-0000-0000-0000-000000000000',
  '12345',
  'a'.repeat(5000),
  '%7B%7Bconstructor.constructor%7D%7D',
  '%E0%A4%A', // broken percent-encoding
];

/** Public link tokens that are malformed, forged or absurd. */
export const HOSTILE_TOKENS = [
  'a'.repeat(5000),
  'abc.def',
  'eyJ2IjoxfQ.AAAA',
  '..%2F..%2Fetc%2Fpasswd',
  `x'%20OR%201%3D1--`,
  '%7B%7Bconstructor.constructor%7D%7D',
  '%00',
  '-_-_-_.-_-_',
  '%E0%A4%A', // broken percent-encoding
];

/** Text fields whose value can reach a mail header: CR/LF there must be refused. */
export const HEADER_FIELDS = new Set(['name', 'subject', 'fromName', 'fromEmail', 'replyTo', 'email', 'unsubscribeMailto', 'slug']);

export function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) {
    current = doc.components?.schemas?.[current.$ref.replace('#/components/schemas/', '')];
  }
  if (current?.allOf?.length) {
    return current.allOf.map((s) => resolve(doc, s)).reduce<Schema>(
      (all, s) => ({
        ...all,
        ...s,
        properties: { ...all.properties, ...s?.properties },
        required: [...(all.required ?? []), ...(s?.required ?? [])],
      }),
      {},
    );
  }
  return current;
}

export function jsonBodySchema(doc: OpenApiDocument, op: Operation): Schema | undefined {
  return resolve(doc, op.requestBody?.content?.['application/json']?.schema);
}

/** A plausible value for a property: its example, first enum value, or one made from its name and type. */
export function plausible(doc: OpenApiDocument, name: string, schema: Schema | undefined): unknown {
  const s = resolve(doc, schema) ?? {};
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [plausible(doc, name.replace(/s$/, ''), s.items)];
    case 'object':
      return s.properties ? validBody(doc, s) : {};
  }
  if (/e-?mail/i.test(name)) return 'sweep@example.test';
  if (/url$/i.test(name)) return 'https://example.test/hook';
  if (s.format === 'date-time' || /At$/.test(name)) return '2030-01-01T00:00:00Z';
  return 'Sweep value';
}

/** A body with every required property filled plausibly. */
export function validBody(doc: OpenApiDocument, schema: Schema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) body[name] = plausible(doc, name, schema.properties?.[name]);
  return body;
}

/** A value of the wrong JSON type for the property. */
export function wrongType(doc: OpenApiDocument, schema: Schema | undefined): unknown {
  const s = resolve(doc, schema) ?? {};
  switch (s.type) {
    case 'string':
      return { $gt: '' };
    case 'integer':
    case 'number':
      return 'twelve';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not-an-array';
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return s.enum ? 'not-one-of-them' : { nested: { deeply: [1, 2, 3] } };
  }
}

const LEAKS = [
  /\bat [\w.<>]+ \(/, // stack frame
  /\.(ts|js):\d+/,
  /node_modules/,
  /\/work\//,
  /QueryFailedError|syntax error at or near|duplicate key value|violates .* constraint/i,
  /\bstack\b/i,
  /TypeError|ReferenceError|Cannot read properties/,
];

/** Why an answer body leaks internals, or null when it does not. */
export function leak(body: string): string | null {
  for (const pattern of LEAKS) if (pattern.test(body)) return `matches ${pattern}`;
  return null;
}
