import { loadConfig } from '../config/config';
import { MAX_TOKEN_LENGTH, TokensService } from './tokens.service';

const SITE = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const SUB = '9b2e4c1a-0d5f-4e8b-a1c3-7f6e5d4c3b2a';
const BULLETIN = 'c0ffee00-1234-4abc-8def-0123456789ab';

const service = (secrets: string, extra: Record<string, string> = {}) =>
  new TokensService(
    loadConfig({ TOKEN_SECRETS: secrets, PUBLIC_URL: 'https://vestnik.example.com/', ...extra }),
  );

/** Flips one character of the token at `index` to another URL-safe one. */
const flip = (token: string, index: number) =>
  token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);

describe(TokensService.name, () => {
  const tokens = service('k1:first-secret-0123456789,k0:older-secret-0123456789');

  it('round-trips an unsubscribe token with and without a bulletin', () => {
    const plain = tokens.signUnsubscribe({ siteId: SITE, subscriberId: SUB });
    expect(tokens.verify(plain, 'unsubscribe')).toEqual({
      purpose: 'unsubscribe',
      kid: 'k1',
      siteId: SITE,
      subscriberId: SUB,
    });
    const withBulletin = tokens.signUnsubscribe({
      siteId: SITE,
      subscriberId: SUB,
      bulletinId: BULLETIN,
    });
    expect(tokens.verify(withBulletin, 'unsubscribe')).toMatchObject({ bulletinId: BULLETIN });
  });

  it('is URL-safe, carries no address and keeps the URL short', () => {
    const url = tokens.unsubscribeUrl({ siteId: SITE, subscriberId: SUB, bulletinId: BULLETIN });
    expect(url).toMatch(
      /^https:\/\/vestnik\.example\.com\/unsubscribe\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
    expect(url.length).toBeLessThan(150);
    const token = url.split('/').pop()!;
    expect(Buffer.from(token.split('.')[0], 'base64url').toString('latin1')).not.toContain('@');
    expect(tokens.confirmUrl({ siteId: SITE, subscriberId: SUB })).toMatch(
      /\/confirm\/[A-Za-z0-9_.-]+$/,
    );
  });

  it('binds the purpose: an unsubscribe token is not a confirm token and vice versa', () => {
    const unsub = tokens.signUnsubscribe({ siteId: SITE, subscriberId: SUB });
    const confirm = tokens.signConfirm({ siteId: SITE, subscriberId: SUB });
    expect(tokens.verify(unsub, 'confirm')).toBeNull();
    expect(tokens.verify(confirm, 'unsubscribe')).toBeNull();
    expect(tokens.verify(confirm, 'confirm')).toMatchObject({
      purpose: 'confirm',
      subscriberId: SUB,
    });
  });

  it('expires confirm tokens after the configured days, never unsubscribe tokens', () => {
    const now = Date.UTC(2026, 10, 22);
    const confirm = tokens.signConfirm({ siteId: SITE, subscriberId: SUB }, now);
    const day = 24 * 3600 * 1000;
    expect(tokens.verify(confirm, 'confirm', now + 6 * day)?.expiresAt?.getTime()).toBe(
      now + 7 * day,
    );
    expect(tokens.verify(confirm, 'confirm', now + 7 * day + 1000)).toBeNull();
    const short = service('k1:first-secret-0123456789', { CONFIRM_TOKEN_TTL_DAYS: '1' });
    expect(
      short.verify(
        short.signConfirm({ siteId: SITE, subscriberId: SUB }, now),
        'confirm',
        now + 2 * day,
      ),
    ).toBeNull();
    const unsub = tokens.signUnsubscribe({ siteId: SITE, subscriberId: SUB });
    expect(tokens.verify(unsub, 'unsubscribe', now + 3650 * day)).not.toBeNull();
  });

  it('rotates keys: the first signs, every listed key verifies, an unknown kid fails', () => {
    const old = service('k0:older-secret-0123456789');
    const token = old.signUnsubscribe({ siteId: SITE, subscriberId: SUB });
    expect(tokens.verify(token, 'unsubscribe')).toMatchObject({ kid: 'k0' });
    expect(tokens.signUnsubscribe({ siteId: SITE, subscriberId: SUB })).not.toBe(token);
    const retired = service('k2:newest-secret-0123456789');
    expect(retired.verify(token, 'unsubscribe')).toBeNull();
    // Same kid, different secret: a forged key id does not help.
    const forged = service('k0:attacker-secret-0123456789').signUnsubscribe({
      siteId: SITE,
      subscriberId: SUB,
    });
    expect(tokens.verify(forged, 'unsubscribe')).toBeNull();
  });

  it('returns null, never throws, for every kind of bad token', () => {
    const good = tokens.signUnsubscribe({ siteId: SITE, subscriberId: SUB, bulletinId: BULLETIN });
    const [body, mac] = good.split('.');
    const bad: unknown[] = [
      '',
      'not-a-token',
      '.',
      `${body}.`,
      `.${mac}`,
      good.slice(0, -1), // truncated MAC
      good.slice(1), // truncated payload
      `${body}.${mac}A`, // over-long MAC
      `${body}AAAA.${mac}`, // payload grown
      good + '.' + mac,
      'x'.repeat(MAX_TOKEN_LENGTH + 1),
      `${body}.${mac}`.replace('.', '%2E'),
      flip(good, 5), // tampered payload
      flip(good, good.length - 3), // tampered MAC
      `${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}.${mac}`, // last payload char
      good.replace(/./, '!'),
      '\u0000'.repeat(40),
      null,
      undefined,
      12345,
      { token: good },
    ];
    for (const token of bad) {
      expect(() => tokens.verify(token as string, 'unsubscribe')).not.toThrow();
      expect(tokens.verify(token as string, 'unsubscribe')).toBeNull();
    }
  });

  it('refuses claims that are not UUIDs when signing', () => {
    expect(() => tokens.signUnsubscribe({ siteId: 'nope', subscriberId: SUB })).toThrow();
    expect(() => tokens.unsubscribeUrls(SITE, BULLETIN)('nope')).toThrow();
  });

  it('signs the links of one bulletin subscriber by subscriber, as unsubscribeUrl does', () => {
    const urls = tokens.unsubscribeUrls(SITE, BULLETIN);
    const others = ['00000000-0000-0000-0000-000000000000', 'FFFFFFFF-AAAA-4BBB-8CCC-DDDDDDDDDDDD', SUB];
    for (const subscriberId of [SUB, ...others]) {
      const url = urls(subscriberId);
      expect(url).toBe(tokens.unsubscribeUrl({ siteId: SITE, subscriberId, bulletinId: BULLETIN }));
      expect(tokens.verify(url.split('/').pop()!, 'unsubscribe')).toMatchObject({
        siteId: SITE,
        subscriberId: subscriberId.toLowerCase(),
        bulletinId: BULLETIN,
      });
    }
  });
});
