/**
 * `npm run demo`: the whole product in one command, for a newcomer.
 *
 * Talks to the Vestnik at VESTNIK_URL (default http://localhost:3000), or starts one with
 * `npm start` when nothing answers there. Then, through the public HTTP API only:
 * creates the two sites of the seeds (vsmete: `notice`, kristalux: `none`) with their privacy
 * policies and one `double_opt_in` site, registers a handful of subscribers, sends a small
 * bulletin, and prints the console URL, a marketing key and the development mailbox URL.
 * Running it again reuses the sites and the people (registration is idempotent).
 */
import { spawn, ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const PORT = process.env.PORT ?? '3000';
const BASE = (process.env.VESTNIK_URL ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
const ADMIN_KEY = process.env.ADMIN_API_KEY ?? 'dev-admin-key-0123456789';
const POLICY_VERSION = '2026-11-01';

interface SiteSeed {
  slug: string;
  name: string;
  baseUrl: string;
  fromEmail: string;
  confirmation: 'none' | 'notice' | 'double_opt_in';
  locale: 'ru' | 'en';
  policy?: string;
  people: Array<[email: string, name: string]>;
}

const SITES: SiteSeed[] = [
  {
    slug: 'vsmete',
    name: 'ВСМЕТЕ',
    baseUrl: 'https://vsmete.ru',
    fromEmail: 'news@vsmete.ru',
    confirmation: 'notice',
    locale: 'ru',
    policy: 'vsmete.ru-privacy-policy.txt',
    people: [
      ['ivan.petrov@example.ru', 'Иван Петров'],
      ['maria.smirnova@example.ru', 'Мария Смирнова'],
      ['oleg.ivanov@example.ru', 'Олег Иванов'],
      ['anna.kuznetsova@example.ru', 'Анна Кузнецова'],
    ],
  },
  {
    slug: 'kristalux',
    name: 'Kristalux',
    baseUrl: 'https://kristalux.com',
    fromEmail: 'news@kristalux.com',
    confirmation: 'none',
    locale: 'ru',
    policy: 'kristalux.com-privacy-policy.txt',
    people: [
      ['elena@example.ru', 'Елена'],
      ['dmitry@example.ru', 'Дмитрий'],
      ['sergey@example.ru', 'Сергей'],
    ],
  },
  {
    slug: 'demo-optin',
    name: 'Double Opt-in Demo',
    baseUrl: 'https://optin.example.com',
    fromEmail: 'news@optin.example.com',
    confirmation: 'double_opt_in',
    locale: 'en',
    people: [
      ['jane@example.com', 'Jane'],
      ['john@example.com', 'John'],
    ],
  },
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: string; message?: unknown },
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

async function call<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : {};
  if (!res.ok) throw new HttpError(res.status, json);
  return json as T;
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${BASE}/health`)).ok;
  } catch {
    return false;
  }
}

/** Starts `npm start` (it builds when needed and creates the database) and waits for /health. */
async function startVestnik(): Promise<ChildProcess> {
  console.log(`No Vestnik answers at ${BASE}: starting one with \`npm start\` (Ctrl-C stops it)…`);
  const child = spawn('npm', ['start'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ADMIN_API_KEY: ADMIN_KEY, PORT, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    if (await healthy()) return child;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  child.kill('SIGTERM');
  throw new Error(`Vestnik did not answer at ${BASE}/health within 3 minutes`);
}

async function ensureSite(seed: SiteSeed): Promise<void> {
  const { people: _people, policy: _policy, ...site } = seed;
  try {
    await call('POST', '/v1/sites', ADMIN_KEY, { ...site, fromName: seed.name });
    console.log(`  site ${seed.slug} created (confirmation: ${seed.confirmation})`);
  } catch (error) {
    if (!(error instanceof HttpError && error.body.code === 'slug_taken')) throw error;
    console.log(`  site ${seed.slug} exists already`);
  }
  if (!seed.policy) return;
  const text = readFileSync(join(__dirname, 'seeds', seed.policy), 'utf8');
  try {
    await call('POST', `/v1/sites/${seed.slug}/policies`, ADMIN_KEY, {
      version: POLICY_VERSION,
      url: `${seed.baseUrl}/privacy`,
      text,
    });
    console.log(`  policy ${POLICY_VERSION} of ${seed.slug} published`);
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 409)) throw error;
  }
}

async function key(slug: string, role: 'backend' | 'marketing'): Promise<string> {
  const created = await call<{ key: string }>('POST', `/v1/sites/${slug}/keys`, ADMIN_KEY, { name: `demo ${role}`, role });
  return created.key;
}

async function register(seed: SiteSeed, backendKey: string): Promise<void> {
  for (const [email, name] of seed.people) {
    await call('POST', `/v1/sites/${seed.slug}/subscribers`, backendKey, {
      email,
      name,
      locale: seed.locale,
      consent: { source: 'demo', ip: '203.0.113.7', userAgent: 'npm run demo' },
    });
  }
  console.log(`  ${seed.people.length} subscribers registered on ${seed.slug}`);
}

async function sendBulletin(marketingKey: string): Promise<void> {
  const bulletin = await call<{ id: string }>('POST', '/v1/sites/vsmete/bulletins', marketingKey, {
    subject: 'Новости {{site.name}}: цены за ноябрь',
    html:
      '<h1>Здравствуйте{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</h1>\n' +
      '<p>Мы обновили сметные цены на материалы за ноябрь.</p>\n' +
      '<p><a href="{{site.baseUrl}}">Открыть {{site.name}}</a></p>',
  });
  await call('POST', `/v1/sites/vsmete/bulletins/${bulletin.id}/send`, marketingKey, {});
  const deadline = Date.now() + 60_000;
  let state = { status: 'sending', stats: { total: 0, sent: 0 } };
  while (Date.now() < deadline && state.status !== 'sent') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    state = await call('GET', `/v1/sites/vsmete/bulletins/${bulletin.id}`, marketingKey);
  }
  console.log(`  bulletin ${bulletin.id}: ${state.status}, ${state.stats.sent} of ${state.stats.total} sent`);
}

async function main(): Promise<void> {
  const child = (await healthy()) ? null : await startVestnik();
  try {
    await call('GET', '/v1/sites', ADMIN_KEY);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) {
      throw new Error(`The Vestnik at ${BASE} does not accept this admin key: set ADMIN_API_KEY to its key`);
    }
    throw error;
  }
  console.log('Creating the demo…');
  const marketing: Record<string, string> = {};
  for (const seed of SITES) {
    await ensureSite(seed);
    await register(seed, await key(seed.slug, 'backend'));
    marketing[seed.slug] = await key(seed.slug, 'marketing');
  }
  await sendBulletin(marketing.vsmete);

  console.log(`
Vestnik is ready.

  Console:        ${BASE}/console
  Marketing key:  ${marketing.vsmete}   (site vsmete; paste it into the console)
  Admin key:      ${ADMIN_KEY}   (every site, plus the admin pages)
  Mailbox:        ${BASE}/dev/mailbox   (what was "sent": the vsmete notices and bulletin,
                  the demo-optin confirm links; empty when the server has SMTP_URL set)
  API docs:       ${BASE}/docs
`);
  if (child) {
    console.log('Vestnik keeps running; Ctrl-C stops it.');
    const stop = () => child.kill('SIGTERM');
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise((resolve) => child.on('exit', resolve));
  }
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
