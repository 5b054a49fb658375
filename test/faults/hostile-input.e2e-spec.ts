import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FaultCluster, report, Site } from './support/fault-cluster';
import {
  HEADER_FIELDS,
  HOSTILE_IDS,
  HOSTILE_TOKENS,
  INJECTIONS,
  jsonBodySchema,
  leak,
  OpenApiDocument,
  validBody,
  wrongType,
} from './support/hostile';
import { ADMIN_KEY } from '../support/test-env';

interface Answer {
  status: number;
  type: string;
  text: string;
}

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

const run = promisify(execFile);
const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);
const TEN_MB = 10 * 1024 * 1024;

/**
 * Scenario 9: every route in the OpenAPI document (so routes are swept as they are added) and the
 * public link pages get malformed, mistyped, oversized and hostile input. Every refusal is a 4xx
 * with a `code` (or the HTML error page), nothing is stored, nothing answers 5xx or leaks internals.
 */
describe('Fault 9: hostile input sweep', () => {
  let c: FaultCluster;
  let doc: OpenApiDocument;
  let site: Site;
  const fixtures: Record<string, string> = {};

  beforeAll(async () => {
    c = await FaultCluster.start({ workers: 0, env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' } });
    site = await c.createSite({ confirmation: 'double_opt_in' });
    doc = (await (await fetch(`${c.api.url}/docs-json`)).json()) as OpenApiDocument;
    await createFixtures();
  });
  afterAll(async () => {
    await c?.close();
  });

  /** Real ids for `{id}` segments, so body attacks reach validation of an existing resource. */
  async function createFixtures(): Promise<void> {
    const base = `/v1/sites/${site.slug}`;
    const attempts: [string, string, object][] = [
      ['subscribers', `${base}/subscribers`, { email: 'fixture@example.test', name: 'Fixture' }],
      ['bulletins', `${base}/bulletins`, { subject: 'Fixture', html: '<p>Fixture</p>' }],
      ['webhooks', `${base}/webhooks`, { url: 'https://example.test/hook', events: ['subscriber.registered'] }],
    ];
    for (const [collection, path, body] of attempts) {
      const res = await site.marketing.post(path, body);
      if (res.status === 201 || res.status === 200) fixtures[collection] = res.body.id;
    }
    const keys = await site.marketing.get(`${base}/keys`);
    if (keys.status === 200) fixtures.keys = (keys.body.items ?? keys.body)[0]?.id;
    fixtures.templates = 'layout';
  }

  function fill(template: string, hostile?: { param: string; value: string }): string {
    return template.replace(/\{(\w+)\}/g, (_, param: string, offset: number) => {
      if (hostile?.param === param) return hostile.value;
      if (param === 'site') return site.slug;
      const collection = template.slice(0, offset).split('/').filter(Boolean).pop() ?? '';
      return fixtures[collection] ?? '3f1c1d5e-9a7b-4c1e-8f00-000000000001';
    });
  }

  async function call(testCase: Case, auth = true): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${ADMIN_KEY}`;
    if (testCase.body !== undefined) headers['content-type'] = testCase.contentType ?? 'application/json';
    if (testCase.body !== undefined && testCase.body.length >= TEN_MB) return upload(testCase, headers);
    const res = await fetch(`${c.api.url}${testCase.path}`, {
      method: testCase.method.toUpperCase(),
      headers,
      body: testCase.body,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /**
   * A huge body through curl: the server answers 413 and closes while the upload is still going,
   * and Node's own client then often reports EPIPE instead of the answer; curl reads the answer.
   */
  async function upload(testCase: Case, headers: Record<string, string>): Promise<Answer> {
    const file = join(tmpdir(), `vestnik-sweep-${process.pid}.json`);
    await writeFile(file, testCase.body ?? '');
    const args = ['-s', '-S', '-X', testCase.method.toUpperCase(), '--data-binary', `@${file}`, '-o', '-', '-w', '\n%{http_code} %{content_type}'];
    for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
    // Closing a socket with unread upload data resets it, and a reset can overtake the 413 already
    // sent (no lingering close in Node): a few tries tell a lost answer from a missing one.
    let stdout = '';
    for (let attempt = 1; ; attempt++) {
      try {
        ({ stdout } = await run('curl', [...args, `${c.api.url}${testCase.path}`], { maxBuffer: 1024 * 1024 }));
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    const cut = stdout.lastIndexOf('\n');
    const [status, type] = stdout.slice(cut + 1).split(' ');
    return { status: Number(status), type: type ?? '', text: stdout.slice(0, cut) };
  }

  /** Why the answer is not an acceptable refusal, or null. */
  function refusalProblem(answer: Answer, html = false): string | null {
    if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
    const leaked = leak(answer.text);
    if (leaked) return `leaks internals (${leaked}): ${answer.text.slice(0, 300)}`;
    if (html) return answer.type.includes('text/html') ? null : `not an HTML page (${answer.type})`;
    try {
      const body = JSON.parse(answer.text) as { code?: unknown; statusCode?: unknown };
      if (typeof body.code !== 'string' || !body.code) return `no code: ${answer.text.slice(0, 200)}`;
      if (body.statusCode !== answer.status) return `statusCode ${String(body.statusCode)} != ${answer.status}`;
    } catch {
      return `not JSON (${answer.type}): ${answer.text.slice(0, 200)}`;
    }
    return null;
  }

  async function rowCounts(): Promise<Record<string, number>> {
    const tables = await c.db.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`,
    );
    const counts: Record<string, number> = {};
    for (const { tablename } of tables.rows) {
      counts[tablename] = Number((await c.db.query(`SELECT count(*) AS n FROM "${tablename}"`)).rows[0].n);
    }
    return counts;
  }

  function refusalCases(): Case[] {
    const cases: Case[] = [];
    // The JSON API; the public pages answer in HTML and have their own sweep below.
    for (const [template, operations] of Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(operations)) {
        const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const param of params) {
          const values = param === 'site' ? ['..%2Fadmin', `x'%20OR%201%3D1--`, 'a'.repeat(5000)] : HOSTILE_IDS;
          for (const value of values) {
            cases.push({
              label: `${param}=${value.slice(0, 40)}`,
              method,
              path: fill(template, { param, value }),
              ...(METHODS_WITH_BODY.has(method) ? { body: '{}' } : {}),
            });
          }
        }
        const path = fill(template);
        const names = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        if (names.includes('limit')) {
          for (const limit of ['0', '-1', 'abc', '100000', '1.5', '1;DROP']) {
            cases.push({ label: `limit=${limit}`, method, path: `${path}?limit=${encodeURIComponent(limit)}` });
          }
        }
        if (names.includes('cursor')) {
          for (const cursor of ['garbage', 'a'.repeat(5000), Buffer.from(`{"id":"'; DROP TABLE x"}`).toString('base64url')]) {
            cases.push({ label: `cursor=${cursor.slice(0, 20)}`, method, path: `${path}?cursor=${cursor}` });
          }
        }
        if (names.includes('status')) {
          cases.push({ label: 'status=injection', method, path: `${path}?status=${encodeURIComponent(INJECTIONS[0])}` });
        }
        if (!METHODS_WITH_BODY.has(method)) continue;
        const schema = jsonBodySchema(doc, op);
        const body = schema ? validBody(doc, schema) : {};
        const json = (value: unknown) => JSON.stringify(value);
        cases.push(
          { label: 'malformed JSON', method, path, body: '{"name": "unterminated' },
          { label: '10 MB body', method, path, body: json({ ...body, name: 'x'.repeat(TEN_MB) }) },
        );
        // A route that takes no body ignores one; the rest only applies where a body is read.
        if (!schema) continue;
        cases.push(
          { label: 'JSON array', method, path, body: '[1,2,3]' },
          { label: 'JSON string', method, path, body: '"just a string"' },
          { label: 'JSON number', method, path, body: '42' },
          { label: 'prototype pollution', method, path, body: json({ ...body, ['__proto__']: { admin: true } }).replace('"__proto__"', '"__proto__"') },
          { label: 'unknown field', method, path, body: json({ ...body, evilField: 'x' }) },
          { label: 'text/plain', method, path, body: json(body), contentType: 'text/plain' },
        );
        for (const [field, fieldSchema] of Object.entries(schema?.properties ?? {})) {
          cases.push({ label: `${field}: wrong type`, method, path, body: json({ ...body, [field]: wrongType(doc, fieldSchema) }) });
          if (HEADER_FIELDS.has(field)) {
            const crlf = `${String(body[field] ?? 'x')}\r\nBcc: victim@example.test`;
            cases.push({ label: `${field}: CR/LF`, method, path, body: json({ ...body, [field]: crlf }) });
          }
          if (field === 'email' || field === 'slug') {
            cases.push({ label: `${field}: 5000 chars`, method, path, body: json({ ...body, [field]: `${'a'.repeat(5000)}@x.test` }) });
          }
        }
      }
    }
    return cases;
  }

  it('refuses malformed, mistyped, oversized and hostile requests on every route with a 4xx and a code, storing nothing', async () => {
    const before = await rowCounts();
    const cases = refusalCases();
    const problems: string[] = [];
    for (const testCase of cases) {
      const problem = refusalProblem(await call(testCase));
      if (problem) problems.push(`${testCase.method.toUpperCase()} ${testCase.path.slice(0, 120)} [${testCase.label}]: ${problem}`);
    }
    const after = await rowCounts();
    report({ scenario: 9, part: 'refusals', requests: cases.length, problems: problems.length, routes: Object.keys(doc.paths).length });
    expect(problems).toEqual([]);
    expect(after).toEqual(before);
    expect(c.api.running).toBe(true);
  });

  it('answers forged, absurd and traversing links on the public pages with the 400 page, changing nothing', async () => {
    const before = await rowCounts();
    const problems: string[] = [];
    let requests = 0;
    for (const page of ['confirm', 'unsubscribe']) {
      for (const token of HOSTILE_TOKENS) {
        const path = `/${page}/${token}`;
        const variants: Case[] = [
          { label: 'GET', method: 'get', path },
          { label: 'POST form', method: 'post', path, body: '', contentType: 'application/x-www-form-urlencoded' },
        ];
        if (page === 'unsubscribe') {
          variants.push({
            label: 'one-click',
            method: 'post',
            path,
            body: 'List-Unsubscribe=One-Click',
            contentType: 'application/x-www-form-urlencoded',
          });
        }
        for (const variant of variants) {
          requests++;
          const answer = await call(variant, false);
          // RFC 8058 one-click answers are a short text; everything else is the 400 page.
          const problem =
            variant.label === 'one-click'
              ? answer.status !== 400 || !answer.type.startsWith('text/') || leak(answer.text)
                ? `one-click: ${answer.status} ${answer.type}: ${answer.text.slice(0, 200)}`
                : null
              : (refusalProblem(answer, true) ?? (answer.status !== 400 ? `status ${answer.status}, not the 400 page` : null));
          if (problem) problems.push(`${variant.label} ${path.slice(0, 80)}: ${problem}`);
        }
      }
    }
    report({ scenario: 9, part: 'public pages', requests, problems: problems.length });
    expect(problems).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it('keeps injection strings inert in every text field: no 5xx, no leak, every table intact', async () => {
    const problems: string[] = [];
    let requests = 0;
    const tablesBefore = Object.keys(await rowCounts());
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS_WITH_BODY.has(method)) continue;
        const schema = jsonBodySchema(doc, op);
        if (!schema?.properties) continue;
        const body = validBody(doc, schema);
        for (const [field, fieldSchema] of Object.entries(schema.properties)) {
          if (fieldSchema.type !== 'string' && !fieldSchema.$ref && fieldSchema.type !== undefined) continue;
          for (const injection of INJECTIONS) {
            requests++;
            const path = fill(template);
            const answer = await call({ label: field, method, path, body: JSON.stringify({ ...body, [field]: injection }) });
            const leaked = leak(answer.text);
            if (answer.status >= 500 || leaked) {
              problems.push(`${method.toUpperCase()} ${path} ${field}=${JSON.stringify(injection)}: ${answer.status} ${leaked ?? ''} ${answer.text.slice(0, 200)}`);
            } else if (answer.status >= 400 && refusalProblem(answer)) {
              problems.push(`${method.toUpperCase()} ${path} ${field}: ${refusalProblem(answer)}`);
            }
          }
        }
      }
    }
    // Template injection must stay text when a bulletin is rendered, not reach JavaScript.
    for (const injection of INJECTIONS.slice(2, 5)) {
      const created = await site.marketing.post(`/v1/sites/${site.slug}/bulletins`, { subject: `S ${injection}`, html: `<p>${injection}</p>` });
      requests++;
      if (created.status >= 500 || leak(created.text)) problems.push(`create bulletin with ${injection}: ${created.status} ${created.text.slice(0, 200)}`);
      if (created.status !== 201) continue;
      const preview = await site.marketing.post(`/v1/sites/${site.slug}/bulletins/${created.body.id}/preview`, {});
      requests++;
      const html = JSON.stringify(preview.body.html ?? '');
      // `${7*7}` must come out as written: the page's ids and tokens may hold "49" by chance.
      const evaluated = /function|\[object|process/.test(html) || (injection.includes('${7*7}') && !html.includes('${7*7}'));
      if (preview.status >= 500 || leak(preview.text) || evaluated) {
        problems.push(`preview with ${injection}: ${preview.status} ${preview.text.slice(0, 300)}`);
      }
    }
    report({ scenario: 9, part: 'injection', requests, problems: problems.length });
    expect(problems).toEqual([]);
    expect(Object.keys(await rowCounts())).toEqual(tablesBefore);
    expect(c.api.running).toBe(true);
  });

  it('takes null in any body field as a value or refuses it with validation_failed: never a 5xx, never another code', async () => {
    const problems: string[] = [];
    let requests = 0;
    for (const [template, operations] of Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/'))) {
      for (const [method, op] of Object.entries(operations)) {
        if (!METHODS_WITH_BODY.has(method)) continue;
        const schema = jsonBodySchema(doc, op);
        if (!schema?.properties) continue;
        const body = validBody(doc, schema);
        const path = fill(template);
        const codeOf = (answer: Answer) => (JSON.parse(answer.text) as { code?: string }).code;
        // What the route says to the body without the null (a layout without its unsubscribe
        // link, a bulletin no longer a draft): an answer for that reason is not about the null.
        const plain = await call({ label: 'plain', method, path, body: JSON.stringify(body) });
        const otherReason = plain.status >= 400 && !refusalProblem(plain) ? codeOf(plain) : undefined;
        for (const field of Object.keys(schema.properties)) {
          requests++;
          const answer = await call({ label: field, method, path, body: JSON.stringify({ ...body, [field]: null }) });
          if (answer.status < 400) continue;
          const problem = refusalProblem(answer);
          const code = problem ? null : codeOf(answer);
          const expected = field === 'email' ? ['validation_failed', 'invalid_email'] : ['validation_failed'];
          if (problem) problems.push(`${method.toUpperCase()} ${path} ${field}=null: ${problem}`);
          else if (answer.status === 400 && code !== otherReason && !expected.includes(code ?? '')) {
            problems.push(`${method.toUpperCase()} ${path} ${field}=null: code ${code}: ${answer.text.slice(0, 200)}`);
          }
        }
      }
    }
    report({ scenario: 9, part: 'null fields', requests, problems: problems.length });
    expect(problems).toEqual([]);
    expect(c.api.running).toBe(true);
  });
});
