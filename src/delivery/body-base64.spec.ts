import { SplicedBody } from '../mail/templates/message-plan';
import { messageBytes } from './body-base64';

const body = (statics: string[], values: string[]): SplicedBody => ({
  parts: { statics, fills: values.map(() => () => '') },
  values,
});

/** The base64 lines of a message made of one body, decoded back to text. */
function decoded(raw: Buffer): string {
  const text = raw.toString('latin1');
  expect(text.endsWith('\r\n')).toBe(true);
  for (const line of text.slice(0, -2).split('\r\n')) {
    expect(line.length).toBeGreaterThan(0);
    expect(line.length).toBeLessThanOrEqual(76);
    expect(line).toMatch(/^[A-Za-z0-9+/]+=*$/);
  }
  return Buffer.from(text.replace(/\r\n/g, ''), 'base64').toString('utf8');
}

describe('messageBytes', () => {
  it('writes text as it is and a string body as base64 in 76-character lines', () => {
    const html = '<p>Здравствуйте</p>\n'.repeat(50);
    const raw = messageBytes(['Subject: x\r\n\r\n', { base64: html }, '--end\r\n']).toString('latin1');
    const encoded = Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n');
    expect(raw).toBe(`Subject: x\r\n\r\n${encoded}${encoded.endsWith('\n') ? '' : '\r\n'}--end\r\n`);
  });

  it('encodes a spliced body to the bytes of its joined text, whatever the lengths around each value', () => {
    const texts = ['', 'a', 'ab', 'abc', 'Ж', 'Жж', '🙂', 'x'.repeat(75), 'Привет, '.repeat(40), '<p>\r\n'];
    let seed = 11;
    const pick = () => texts[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % texts.length];
    for (let n = 0; n < 400; n++) {
      const count = n % 6;
      const statics = Array.from({ length: count + 1 }, pick);
      const values = Array.from({ length: count }, pick);
      const joined = statics.map((s, i) => s + (values[i] ?? '')).join('');
      const raw = messageBytes([{ base64: body(statics, values) }]);
      if (joined === '') expect(raw.length).toBe(0);
      else expect(decoded(raw)).toBe(joined);
    }
  });

  it('reuses the shared base64 across recipients of the same parts', () => {
    const parts = body(['<h1>Здравствуйте, ', '!</h1>\n'.repeat(30)], ['']).parts;
    for (const name of ['Иван', 'Ольга Петровна', 'A', '']) {
      expect(decoded(messageBytes([{ base64: { parts, values: [name] } }]))).toBe(`<h1>Здравствуйте, ${name}${'!</h1>\n'.repeat(30)}`);
    }
  });
});
