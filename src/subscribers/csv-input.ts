import { HttpStatus } from '@nestjs/common';
import { TextDecoder } from 'node:util';
import { AppException, badRequest } from '../common/app-exception';

export const payloadTooLarge = (limit: number) =>
  new AppException(
    HttpStatus.PAYLOAD_TOO_LARGE,
    'payload_too_large',
    `The CSV body is larger than ${limit} bytes`,
  );

/**
 * Bytes → UTF-8 text, counting bytes against the limit (Fastify does not limit a body it hands
 * over as a stream) and refusing invalid UTF-8 instead of importing replacement characters.
 */
export async function* decodeUtf8(
  source: AsyncIterable<Buffer | string>,
  limit: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  for await (const chunk of source) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += buffer.length;
    if (bytes > limit) throw payloadTooLarge(limit);
    yield decode(decoder, buffer, true);
  }
  const tail = decode(decoder, undefined, false);
  if (tail) yield tail;
}

function decode(decoder: TextDecoder, buffer: Buffer | undefined, stream: boolean): string {
  try {
    return decoder.decode(buffer, { stream });
  } catch {
    throw badRequest('csv_encoding', 'The CSV file is not valid UTF-8');
  }
}

/**
 * Reads text until the end of the header line, picks `;` or `,` by which appears more often
 * in it outside quotes, and gives back a stream of the whole text again.
 */
export async function detectDelimiter(
  text: AsyncIterable<string>,
): Promise<{ delimiter: ';' | ','; text: AsyncIterable<string> }> {
  const iterator = text[Symbol.asyncIterator]();
  let head = '';
  let finished = false;
  while (!/[\r\n]/.test(head) && head.length < 1 << 16) {
    const next = await iterator.next();
    if (next.done) {
      finished = true;
      break;
    }
    head += next.value;
  }
  const delimiter =
    countOutsideQuotes(head.split(/\r?\n|\r/)[0], ';') >
    countOutsideQuotes(head.split(/\r?\n|\r/)[0], ',')
      ? ';'
      : ',';
  async function* replay(): AsyncGenerator<string> {
    if (head) yield head;
    if (finished) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      yield next.value;
  }
  return { delimiter, text: replay() };
}

function countOutsideQuotes(line: string, char: string): number {
  let quoted = false;
  let count = 0;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === char && !quoted) count++;
  }
  return count;
}

/** One field of PostgreSQL's COPY … (FORMAT csv): null is an unquoted empty field. */
export function copyField(value: string | null): string {
  if (value === null) return '';
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}
