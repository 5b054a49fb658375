import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp, createAdapter } from '../../src/app.setup';
import { loadConfig } from '../../src/config/config';
import { migrate } from '../../src/database/migrate';
import { ADMIN_KEY, createTestEnvironment, TestEnvironment } from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  env: TestEnvironment;
  db: DataSource;
  http: () => ReturnType<typeof request>;
  /** Supertest agent preset with the admin key. */
  admin: AdminClient;
  close(): Promise<void>;
}

type Agent = ReturnType<typeof request>;
export interface AdminClient {
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  patch(path: string, body?: object): request.Test;
  put(path: string, body?: object): request.Test;
  delete(path: string): request.Test;
}

export function withKey(http: () => Agent, key: string): AdminClient {
  const auth = `Bearer ${key}`;
  return {
    get: (path) => http().get(path).set('authorization', auth),
    post: (path, body) => http().post(path).set('authorization', auth).send(body ?? {}),
    patch: (path, body) => http().patch(path).set('authorization', auth).send(body ?? {}),
    put: (path, body) => http().put(path).set('authorization', auth).send(body ?? {}),
    delete: (path) => http().delete(path).set('authorization', auth),
  };
}

/**
 * A real Vestnik (HTTP + workers unless VESTNIK_ROLE says otherwise) on a fresh database
 * and Redis prefix. Pass `env` to override configuration, `reuse` to share another app's
 * database (a second process in the same test).
 */
export async function createTestApp(
  options: { env?: Record<string, string>; reuse?: TestEnvironment } = {},
): Promise<TestApp> {
  const env = options.reuse ?? (await createTestEnvironment());
  const config = loadConfig({ ...env.env, ...options.env });
  await migrate(config.databaseUrl);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createAdapter(config), {
    logger: false,
  });
  await configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const http = () => request(app.getHttpServer());
  return {
    app,
    env,
    db: app.get(DataSource),
    http,
    admin: withKey(http, ADMIN_KEY),
    async close() {
      await app.close();
      if (!options.reuse) await env.drop();
    },
  };
}

/** Creates a site (defaults overridable) and returns its slug and a key of each role. */
export async function createSite(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<{ slug: string; id: string; backend: AdminClient; marketing: AdminClient; keys: Record<string, string> }> {
  const slug = (overrides.slug as string) ?? `site-${Math.random().toString(36).slice(2, 8)}`;
  const site = await t.admin
    .post('/v1/sites', {
      slug,
      name: 'Test Site',
      baseUrl: 'https://example.test',
      fromEmail: 'news@example.test',
      fromName: 'Test Site',
      confirmation: 'none',
      locale: 'en',
      ...overrides,
    })
    .expect(201);
  const backend = await t.admin.post(`/v1/sites/${slug}/keys`, { name: 'backend', role: 'backend' }).expect(201);
  const marketing = await t.admin.post(`/v1/sites/${slug}/keys`, { name: 'marketing', role: 'marketing' }).expect(201);
  return {
    slug,
    id: site.body.id,
    backend: withKey(t.http, backend.body.key),
    marketing: withKey(t.http, marketing.body.key),
    keys: { backend: backend.body.key, marketing: marketing.body.key },
  };
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`waitFor timed out${last ? `: ${String(last)}` : ''}`);
}
