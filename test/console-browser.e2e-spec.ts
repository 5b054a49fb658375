import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';
import { ADMIN_KEY } from './support/test-env';

const SHOTS = join(__dirname, '..', 'docs', 'screenshots');

/** The page's DOM, as seen by the callbacks that run inside the browser (the tsconfig has no DOM lib). */
interface PageElement {
  name: string;
  value: string;
  method: string;
  action: string;
  srcdoc: string;
  textContent: string | null;
  scrollWidth: number;
  appendChild(child: PageElement): void;
  submit(): void;
}
declare const document: {
  createElement(tag: string): PageElement;
  querySelector(selector: string): PageElement | null;
  body: PageElement;
  documentElement: PageElement;
};

/**
 * The console in a real browser (Debian chromium via playwright-core) against a real Vestnik
 * listening on a port, with workers sending into the SMTP sink.
 */
describe('Web console in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let base: string;
  let site: Awaited<ReturnType<typeof createSite>>;
  const people = ['anna@example.ru', 'boris@example.ru', 'vera@example.ru', 'gleb@example.ru', 'daria@example.ru'];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    sink = new SmtpSink();
    await sink.start();
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    site = await createSite(t, { slug: 'vsmete', name: 'ВСМЕТЕ', confirmation: 'none', locale: 'ru' });
    for (const [i, email] of people.entries()) {
      const res = await site.backend
        .post('/v1/sites/vsmete/subscribers', { email, name: ['Анна', 'Борис', 'Вера', 'Глеб', 'Дарья'][i], consent: { source: 'signup-form' } })
        .expect(201);
      ids[email] = res.body.id;
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  async function signedIn(key: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.fill('input[name=key]', key);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('signs in with a marketing key and lands on the site dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    expect(await page.textContent('h1')).toContain('Вход в консоль');
    await shot(page, 'sign-in');
    await page.fill('input[name=key]', 'vsk_wrong');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('недействителен');
    await page.fill('input[name=key]', site.keys.marketing);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/console/sites/vsmete`);
    expect(await page.textContent('[data-test=status-counts]')).toContain('5');
    expect(await page.locator('svg.chart rect').count()).toBeGreaterThan(0);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'vestnik_console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console' });
    expect(page.url()).not.toContain(site.keys.marketing);
    await context.close();
  });

  it('rejects a forged form (no valid CSRF token) and changes nothing', async () => {
    const page = await signedIn(site.keys.marketing);
    const target = `/console/sites/vsmete/subscribers/${ids['anna@example.ru']}/unsubscribe`;
    const response = page.waitForResponse((r) => r.url().endsWith('/unsubscribe'));
    await page.evaluate((action) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      const input = document.createElement('input');
      input.name = '_csrf';
      input.value = 'forged-token';
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    }, target);
    expect((await response).status()).toBe(403);
    await page.waitForLoadState('load');
    expect(await page.textContent('[data-test=error-code]')).toBe('csrf_invalid');
    const anna = await site.backend.get(`/v1/sites/vsmete/subscribers/${ids['anna@example.ru']}`).expect(200);
    expect(anna.body.status).toBe('active');
    await page.context().close();
  });

  it('writes a bulletin with a template error, fixes it, previews it live, sends it and watches the progress reach 100%', async () => {
    const page = await signedIn(site.keys.marketing);
    await page.goto(`${base}/console/sites/vsmete/bulletins/new`);
    await page.fill('input[name=subject]', 'Новости {{site.name}}');
    await page.fill('textarea[name=html]', '<h1>Здравствуйте!</h1>\n<p>{{#if subscriber.name}}Привет, {{subscriber.name}}</p>\n<p>Конец</p>');
    await page.click('[data-test=save]');
    await page.waitForLoadState('load');
    const error = await page.textContent('[data-test=template-error]');
    expect(error).toMatch(/line|строка/);
    expect(await page.locator('.excerpt .error-line').count()).toBe(1);
    await shot(page, 'bulletin-template-error');

    await page.fill(
      'textarea[name=html]',
      '<h1>Здравствуйте!</h1>\n<p>{{#if subscriber.name}}Привет, {{subscriber.name}}!{{/if}}</p>\n<p>Цены на материалы за ноябрь.</p>',
    );
    await page.click('[data-test=save]');
    await page.waitForURL(/\/bulletins\/[0-9a-f-]{36}$/);
    expect(await page.locator('[data-test=template-error]').count()).toBe(0);

    // Live preview: a typo shows the error at its line, the fix brings the preview back, for a chosen subscriber.
    await page.fill('textarea[name=html]', '<p>{{subscriber.name</p>');
    await page.waitForSelector('[data-problem] [data-test=template-error]');
    await page.fill('textarea[name=html]', '<h1>Здравствуйте, {{subscriber.name}}!</h1>\n<p>Цены на материалы за ноябрь.</p>');
    await page.waitForFunction(() => !document.querySelector('[data-problem] [data-test=template-error]'));
    await page.selectOption('[data-preview-subscriber]', ids['vera@example.ru']);
    await page.waitForFunction(() =>
      document.querySelector('[data-preview-frame]')!.srcdoc.includes('Здравствуйте, Вера!'),
    );
    await page.frameLocator('[data-preview-frame]').getByText('Здравствуйте, Вера!').waitFor();
    await shot(page, 'bulletin-editor');

    // The server refuses one message by policy (554 5.7.1: permanent, but not a bounce that would end the
    // subscription): the bulletin finishes with one failure, shown with its SMTP answer.
    sink.behaviour = (rcpt) =>
      rcpt.includes('daria@example.ru') ? { accept: false, code: 554, message: '5.7.1 Message rejected by policy' } : { accept: true };
    await page.click('[data-test=send]');
    await page.waitForSelector('[data-test=progress-percent]');
    await page.waitForFunction(
      () => document.querySelector('[data-test=progress-percent]')?.textContent?.trim() === '100%',
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForSelector('[data-test=retry-failed]');
    expect(await page.textContent('[data-k=sent]')).toBe('4');
    expect(await page.textContent('[data-k=failed]')).toBe('1');
    expect(await page.textContent('[data-test=failed-deliveries]')).toMatch(/daria@example\.ru[\s\S]*554 5\.7\.1 Message rejected/);
    await shot(page, 'bulletin-progress');

    // The mailbox is back: "retry failed" sends the one that failed, and the page follows it to the end.
    sink.behaviour = () => ({ accept: true });
    const bulletinId = page.url().split('/').pop()!;
    await page.click('[data-test=retry-failed]');
    await page.waitForLoadState('load');
    await waitFor(async () => {
      const b = await site.marketing.get(`/v1/sites/vsmete/bulletins/${bulletinId}`).expect(200);
      return b.body.status === 'sent' && b.body.stats.sent === 5;
    }, 60_000);
    await page.reload();
    expect(await page.textContent('[data-test=progress-percent]')).toBe('100%');
    expect(await page.textContent('[data-k=failed]')).toBe('0');
    await waitFor(async () => sink.messages.length >= 5);
    expect(sink.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([...people].sort());
    await page.context().close();
  });

  it('unsubscribes a subscriber from the console, with the event in the ledger', async () => {
    const page = await signedIn(site.keys.marketing);
    await page.goto(`${base}/console/sites/vsmete/subscribers`);
    await shot(page, 'subscribers');
    await page.click('text=boris@example.ru');
    await page.click('[data-test=unsubscribe]');
    await page.waitForLoadState('load');
    expect(await page.textContent('h1')).toContain('отписался');
    expect(await page.textContent('[data-test=events]')).toContain('console');
    await shot(page, 'subscriber');
    const boris = await site.backend.get(`/v1/sites/vsmete/subscribers/${ids['boris@example.ru']}`).expect(200);
    expect(boris.body.status).toBe('unsubscribed');
    await page.context().close();
  });

  it('imports a CSV through the page: upload progress, then the per-line error report', async () => {
    const page = await signedIn(site.keys.marketing);
    await page.goto(`${base}/console/sites/vsmete/subscribers/import`);
    await page.fill('input[name=source]', 'crm-export-2026-11');
    await page.setInputFiles('input[type=file]', {
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email,name,city\nzoya@example.ru,Зоя,Москва\nnot-an-address,Ошибка,Тула\nyuri@example.ru,Юрий,Казань\n'),
    });
    await page.click('form[data-import] button');
    await page.waitForSelector('[data-import-result]:not([hidden]) [data-test=import-errors] tbody tr');
    expect(await page.textContent('[data-k=created]')).toBe('2');
    expect(await page.textContent('[data-test=import-errors] tbody')).toContain('3');
    expect(page.url()).toBe(`${base}/console/sites/vsmete/subscribers/import`);
    await shot(page, 'subscribers-import');
    await page.context().close();
  });

  it('shows the templates, the admin pages, and the dashboard on a phone', async () => {
    const page = await signedIn(site.keys.marketing);
    await page.goto(`${base}/console/sites/vsmete/templates?name=layout&locale=ru`);
    expect(await page.locator('iframe.preview-frame').count()).toBe(1);
    await shot(page, 'templates');
    await page.goto(`${base}/console/sites/vsmete`);
    await shot(page, 'dashboard');
    await page.context().close();

    const admin = await signedIn(ADMIN_KEY);
    await admin.goto(`${base}/console/admin/sites/vsmete`);
    await shot(admin, 'admin-site');
    await admin.context().close();

    const phone = await signedIn(site.keys.marketing, { width: 390, height: 844 });
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await shot(phone, 'dashboard-phone');
    await phone.context().close();
  });
});
