import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestApp, TestApp } from './support/test-app';

describe('Operations: errors, limits, health, metrics, docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 413 with a code for a JSON body over 1 MiB', async () => {
    const big = { slug: 'big', name: 'x'.repeat(1024 * 1024 + 10) };
    const res = await t.admin.post('/v1/sites', big).expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('answers 400 invalid_json for malformed JSON, without internals', async () => {
    const res = await t
      .http()
      .post('/v1/sites')
      .set('authorization', 'Bearer test-admin-key-0123456789abcdef')
      .set('content-type', 'application/json')
      .send('{"slug": ')
      .expect(400);
    expect(res.body.code).toBe('invalid_json');
    expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|node_modules|\.ts:/);
  });

  it('answers 404 with a code for unknown routes', async () => {
    const res = await t.http().get('/nowhere').expect(404);
    expect(res.body.code).toBe('not_found');
  });

  it('reports health of PostgreSQL and Redis', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves Prometheus metrics', async () => {
    await t.http().get('/health');
    const res = await t.http().get('/metrics').expect(200);
    expect(res.text).toContain('vestnik_http_requests_total');
    expect(res.text).toContain('vestnik_queue_jobs');
  });

  it('serves the OpenAPI document and UI, with every route described', async () => {
    const doc = await t.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/sites', '/v1/sites/{site}/keys']));
    await t.http().get('/docs').expect(200);
  });

  it('sends helmet headers and a request id', async () => {
    const res = await t.http().get('/health').set('x-request-id', 'trace-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.headers['content-security-policy']).toContain(`frame-ancestors 'none'`);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    const badUrl = await t.http().get('/v1/sites/%zz/subscribers').set('x-request-id', 'trace-456');
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.code).toBe('invalid_url');
    expect(badUrl.headers['x-request-id']).toBe('trace-456');
    const page = await t.http().get('/unsubscribe/not-a-token');
    expect(page.headers['content-security-policy']).toContain(`default-src 'self'`);
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('answers 503 on /health when Redis is unreachable', async () => {
    const broken = await createTestApp({ reuse: t.env, env: { REDIS_URL: 'redis://127.0.0.1:1', VESTNIK_ROLE: 'api' } });
    try {
      const res = await broken.http().get('/health').expect(503);
      expect(res.body.details.redis.status).toBe('down');
      expect(res.body.details.postgres.status).toBe('up');
    } finally {
      await broken.app.close();
    }
  });
});

describe('Configuration errors stop start-up with one line', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '..', 'src', 'main.ts')], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ VESTNIK_ROLE: 'boss' }, 'VESTNIK_ROLE'],
    [{ NODE_ENV: 'production', SMTP_URL: 'smtp://localhost:25' }, 'TOKEN_SECRETS'],
    [{ NODE_ENV: 'production', TOKEN_SECRETS: 'k:0123456789abcdef0123' }, 'SMTP_URL'],
  ])('%p names %s', (env, name) => {
    const result = run(env);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  });
});
