import { assertLiteralAllowed, checkWebhookUrl, ForbiddenAddressError, guardedLookup, isPublicAddress } from './ssrf-guard';
import { signWebhook, verifyWebhookSignature } from './signature';
import { retryDelayMs } from './webhook-delivery.service';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.100.100.200',
    '0.0.0.0', '255.255.255.255', '224.0.0.1', '::', '::1', 'fe80::1', 'fd00:ec2::254', 'fc00::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::', 'ff02::1', 'not-an-ip', '',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '[2606:4700:4700::1111]'])(
    'accepts %s',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('guardedLookup', () => {
  const lookup = (allowPrivate: boolean, host: string, all: boolean) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) =>
      guardedLookup(allowPrivate)(host, { all }, (error, address) => resolve({ error, address })),
    );

  it('refuses a name that resolves to loopback, in both lookup forms', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup(false, 'localhost', all);
      expect(error).toBeInstanceOf(ForbiddenAddressError);
    }
  });

  it('lets loopback through when private addresses are allowed', async () => {
    const single = await lookup(true, 'localhost', false);
    expect(single.error).toBeNull();
    expect(typeof single.address).toBe('string');
    const all = await lookup(true, 'localhost', true);
    expect(Array.isArray(all.address)).toBe(true);
  });
});

describe('assertLiteralAllowed and checkWebhookUrl', () => {
  it('checks IP literals, which never go through lookup', () => {
    expect(() => assertLiteralAllowed('127.0.0.1', false)).toThrow(ForbiddenAddressError);
    expect(() => assertLiteralAllowed('[::1]', false)).toThrow(ForbiddenAddressError);
    expect(() => assertLiteralAllowed('127.0.0.1', true)).not.toThrow();
    expect(() => assertLiteralAllowed('8.8.8.8', false)).not.toThrow();
    expect(() => assertLiteralAllowed('example.com', false)).not.toThrow();
  });

  it('refuses other schemes and internal targets at registration', async () => {
    expect(await checkWebhookUrl('file:///etc/passwd', true)).toMatch(/http/);
    expect(await checkWebhookUrl('http://127.0.0.1/x', false)).toMatch(/non-public/);
    expect(await checkWebhookUrl('http://localhost/x', false)).toMatch(/non-public/);
    expect(await checkWebhookUrl('http://127.0.0.1/x', true)).toBeNull();
    expect(await checkWebhookUrl('https://93.184.216.34/x', false)).toBeNull();
  });
});

describe('webhook signature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and verifies within the tolerance', () => {
    const header = signWebhook('whsec_k', '{"a":1}', 1_700_000_000);
    // Independent reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_k
    expect(header).toBe('t=1700000000,v1=a252a4340d8bbbdbac8643a2812cc7d628ad79bfba544bff054ac2fa10f795a2');
    expect(verifyWebhookSignature('whsec_k', '{"a":1}', header, 1_700_000_100)).toBe(true);
    expect(verifyWebhookSignature('whsec_k', '{"a":2}', header, 1_700_000_100)).toBe(false);
    expect(verifyWebhookSignature('whsec_k', '{"a":1}', header, 1_700_001_000)).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('doubles per attempt and stops growing at an hour', () => {
    expect(retryDelayMs(1000, 1)).toBeGreaterThanOrEqual(900);
    expect(retryDelayMs(1000, 1)).toBeLessThanOrEqual(1100);
    expect(retryDelayMs(1000, 4)).toBeGreaterThanOrEqual(7200);
    expect(retryDelayMs(30_000, 30)).toBeLessThanOrEqual(3_960_000);
  });
});
