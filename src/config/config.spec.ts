import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/vestnik',
      redisUrl: 'redis://127.0.0.1:6379',
      smtpUrl: null,
      publicUrl: 'http://localhost:3000',
      port: 3000,
      adminApiKey: null,
      role: 'all',
      webhooksAllowPrivate: false,
    });
  });

  it('parses token secrets in order: the first signs', () => {
    const config = loadConfig({ TOKEN_SECRETS: 'k2:aaaaaaaaaaaaaaaaaaaa,k1:bbbbbbbbbbbbbbbbbbbb' });
    expect(config.tokenSecrets.map((s) => s.kid)).toEqual(['k2', 'k1']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['VESTNIK_ROLE', 'both'],
    ['DATABASE_URL', 'mysql://x'],
    ['TOKEN_SECRETS', 'nokid'],
    ['WEBHOOKS_ALLOW_PRIVATE', 'yes'],
    ['PUBLIC_URL', 'ftp://x'],
  ])('refuses %s=%s with one line naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain(name);
      expect(message).not.toContain('\n');
    }
  });

  it('trusts no proxy unless told, and takes a hop count or addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy).toBe('10.0.0.0/8,127.0.0.1');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
  });

  it('requires TOKEN_SECRETS and SMTP_URL in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://h:25' })).toThrow(/TOKEN_SECRETS/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', TOKEN_SECRETS: 'a:0123456789abcdef0123' }),
    ).toThrow(/SMTP_URL/);
  });
});
