import { AppException } from '../common/app-exception';
import { copyField, decodeUtf8, detectDelimiter } from './csv-input';

async function collect(iterable: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of iterable) text += chunk;
  return text;
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.isBuffer(part) ? part : Buffer.from(part);
}

describe('decodeUtf8', () => {
  it('decodes characters split across chunks and drops a BOM', async () => {
    const bytes = Buffer.from('\uFEFFemail,name\nа@б.рф,Ёж\n');
    expect(
      await collect(
        decodeUtf8(chunks(bytes.subarray(0, 5), bytes.subarray(5, 20), bytes.subarray(20)), 1000),
      ),
    ).toBe('email,name\nа@б.рф,Ёж\n');
  });

  it('refuses invalid UTF-8 with csv_encoding', async () => {
    await expect(
      collect(decodeUtf8(chunks(Buffer.from([0x61, 0xe9, 0x0a])), 1000)),
    ).rejects.toMatchObject({ code: 'csv_encoding' });
  });

  it('stops with 413 payload_too_large past the limit', async () => {
    const error = await collect(decodeUtf8(chunks('x'.repeat(600), 'y'.repeat(600)), 1000)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppException);
    expect((error as AppException).getStatus()).toBe(413);
    expect((error as AppException).code).toBe('payload_too_large');
  });
});

describe('detectDelimiter', () => {
  async function* text(...parts: string[]): AsyncGenerator<string> {
    yield* parts;
  }

  it.each([
    [['email;name;city\n', 'a@b.ru;x;y\n'], ';'],
    [['email,name\n'], ','],
    [['"last; first",email,x\n'], ','],
    [['em', 'ail;na', 'me\r\na;b\r\n'], ';'],
    [['email'], ','],
  ])('picks the separator of %p and replays the whole text', async (parts, delimiter) => {
    const detected = await detectDelimiter(text(...parts));
    expect(detected.delimiter).toBe(delimiter);
    expect(await collect(detected.text)).toBe(parts.join(''));
  });
});

describe('copyField', () => {
  it('quotes values for COPY csv and writes null as an unquoted empty field', () => {
    expect(copyField(null)).toBe('');
    expect(copyField('')).toBe('""');
    expect(copyField('say "hi", ok')).toBe('"say ""hi"", ok"');
  });
});
