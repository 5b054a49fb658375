import { SplicedBody, SplicedParts } from '../mail/templates/message-plan';

const LINE = 76;
const CR = 13;
const LF = 10;
const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const PAD = 61; // '='

/** A part of a message: text as it is (UTF-8), or a body to send as base64. */
export type MessagePiece = string | { base64: string | SplicedBody };

/**
 * One shared piece of a spliced body, its base64 lines made once for each of the three ways it
 * can fall on base64's 3-byte groups: `lines[k]` encodes `bytes[k .. ends[k]]`.
 */
interface EncodedStatic {
  bytes: Buffer;
  lines: [Buffer, Buffer, Buffer];
  ends: [number, number, number];
}

const encoded = new WeakMap<SplicedParts, EncodedStatic[]>();

/**
 * Reused across messages (compose is synchronous), so no message allocates its own working
 * memory: `out` is the message being written, `pending` the UTF-8 waiting to be encoded. They keep
 * the size of the largest message seen (about 2.7 bytes per character of a 1 MB bulletin).
 */
let out = Buffer.allocUnsafeSlow(64 * 1024);
let pending = Buffer.allocUnsafeSlow(64 * 1024);
let length = 0;

/**
 * The message's bytes. A spliced body costs the base64 of its values and the few bytes beside
 * each: the shared text's base64 was made once per bulletin. Lines are at most 76 characters
 * (RFC 2045), shorter where a value sits; decoders join them.
 */
export function messageBytes(pieces: MessagePiece[]): Buffer {
  length = 0;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      reserve(piece.length * 3);
      length += out.write(piece, length, 'utf8');
    } else if (typeof piece.base64 === 'string') {
      const bytes = utf8(piece.base64, 0);
      base64Into(pending, 0, bytes);
    } else {
      splicedInto(piece.base64);
    }
  }
  const message = Buffer.allocUnsafeSlow(length);
  out.copy(message, 0, 0, length);
  return message;
}

function splicedInto({ parts, values }: SplicedBody): void {
  const statics = encodedStatics(parts);
  let waiting = 0; // bytes in `pending` until a full group of three
  for (let i = 0; i < statics.length; i++) {
    if (i > 0) waiting = utf8(values[i - 1], waiting);
    const { bytes, lines, ends } = statics[i];
    const k = (3 - (waiting % 3)) % 3;
    if (bytes.length <= k) {
      waiting = copyPending(bytes, 0, bytes.length, waiting);
      continue;
    }
    waiting = copyPending(bytes, 0, k, waiting);
    base64Into(pending, 0, waiting);
    reserve(lines[k].length);
    out.set(lines[k], length);
    length += lines[k].length;
    waiting = copyPending(bytes, ends[k], bytes.length, 0);
  }
  base64Into(pending, 0, waiting);
}

function encodedStatics(parts: SplicedParts): EncodedStatic[] {
  let statics = encoded.get(parts);
  if (!statics) {
    statics = parts.statics.map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      const ends = [0, 1, 2].map((k) => (k > bytes.length ? k : k + Math.floor((bytes.length - k) / 3) * 3));
      const lines = ends.map((end, k) => Buffer.from(base64Lines(bytes.subarray(k, Math.max(k, end))), 'latin1'));
      return { bytes, ends, lines } as EncodedStatic;
    });
    encoded.set(parts, statics);
  }
  return statics;
}

/** UTF-8 of `text` into `pending` at `at`; returns the new end. */
function utf8(text: string, at: number): number {
  if (pending.length < at + text.length * 3) pending = grown(pending, at + text.length * 3);
  return at + pending.write(text, at, 'utf8');
}

/** The one or two shared bytes beside a value: a loop costs less than a subarray and a copy. */
function copyPending(bytes: Buffer, start: number, end: number, at: number): number {
  if (pending.length < at + end - start) pending = grown(pending, at + end - start);
  for (let i = start; i < end; i++) pending[at++] = bytes[i];
  return at;
}

function reserve(bytes: number): void {
  if (out.length < length + bytes) out = grown(out, length + bytes);
}

function grown(buffer: Buffer, size: number): Buffer {
  const larger = Buffer.allocUnsafeSlow(Math.max(size, buffer.length * 2));
  buffer.copy(larger);
  return larger;
}

/**
 * Base64 of `source[start .. end]` appended to `out` in lines of 76 characters, each ending in
 * CRLF. Native for long runs; short ones (the bytes around a value) in JS, which costs less than
 * the call into C++ and the string it returns.
 */
function base64Into(source: Buffer, start: number, end: number): void {
  if (end <= start) return;
  if (end - start > 256) {
    const lines = base64Lines(source.subarray(start, end));
    reserve(lines.length);
    length += out.write(lines, length, 'latin1');
    return;
  }
  const chars = Math.ceil((end - start) / 3) * 4;
  reserve(chars + Math.ceil(chars / LINE) * 2);
  // 76 characters are 19 groups of four, so lines end between groups.
  let groups = 0;
  let at = length;
  for (let i = start; i < end; i += 3) {
    const rest = end - i;
    const group = (source[i] << 16) | (rest > 1 ? source[i + 1] << 8 : 0) | (rest > 2 ? source[i + 2] : 0);
    out[at] = ALPHABET[group >> 18];
    out[at + 1] = ALPHABET[(group >> 12) & 63];
    out[at + 2] = rest > 1 ? ALPHABET[(group >> 6) & 63] : PAD;
    out[at + 3] = rest > 2 ? ALPHABET[group & 63] : PAD;
    at += 4;
    if (++groups === LINE / 4) {
      out[at++] = CR;
      out[at++] = LF;
      groups = 0;
    }
  }
  if (groups) {
    out[at++] = CR;
    out[at++] = LF;
  }
  length = at;
}

/** Base64 in lines of 76 characters, each ending in CRLF. */
function base64Lines(bytes: Buffer): string {
  const encoded = bytes.toString('base64');
  // join() builds one flat string; `out += line + CRLF` left three objects per line for the GC.
  const lines: string[] = [];
  for (let i = 0; i < encoded.length; i += LINE) lines.push(encoded.slice(i, i + LINE));
  lines.push('');
  return lines.join('\r\n');
}
