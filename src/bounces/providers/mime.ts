/**
 * A small MIME walker for bounce reports. mailparser folds message/delivery-status into the
 * text body and loses its structure, so reports are split here: headers, boundaries, and the
 * two transfer encodings a report part can carry.
 */
export interface MimePart {
  headers: Map<string, string>;
  contentType: string;
  params: Record<string, string>;
  body: Buffer;
}

const MAX_DEPTH = 5;

export function parseHeaderBlock(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const [type, ...rest] = (value ?? 'text/plain').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq > 0) params[param.slice(0, eq).trim().toLowerCase()] = param.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable':
      return Buffer.from(
        body
          .toString('latin1')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      );
    default:
      return body;
  }
}

export function parseEntity(raw: Buffer): MimePart {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headerText = match ? text.slice(0, match.index) : text;
  const bodyStart = match ? match.index + match[0].length : text.length;
  const headers = parseHeaderBlock(headerText);
  const { type, params } = parseContentType(headers.get('content-type'));
  return { headers, contentType: type, params, body: decode(raw.subarray(bodyStart), headers.get('content-transfer-encoding')) };
}

function splitMultipart(part: MimePart): Buffer[] {
  const boundary = part.params.boundary;
  if (!boundary) return [];
  const text = part.body.toString('latin1');
  const delimiter = `--${boundary}`;
  const pieces: Buffer[] = [];
  const sections = text.split(new RegExp(`(?:^|\\r?\\n)${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  for (const section of sections.slice(1)) {
    if (section.startsWith('--')) break;
    pieces.push(Buffer.from(section.replace(/^[ \t]*\r?\n/, ''), 'latin1'));
  }
  return pieces;
}

/** Every leaf and message part, depth-first, descending into multiparts and attached messages. */
export function walkParts(raw: Buffer, visit: (part: MimePart) => void, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  const part = parseEntity(raw);
  visit(part);
  if (part.contentType.startsWith('multipart/')) {
    for (const child of splitMultipart(part)) walkParts(child, visit, depth + 1);
  } else if (part.contentType === 'message/rfc822') {
    walkParts(part.body, visit, depth + 1);
  }
}

/** A delivery-status or feedback-report body: groups of fields separated by blank lines. */
export function parseFieldGroups(body: Buffer): Map<string, string>[] {
  return body
    .toString('utf8')
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => parseHeaderBlock(block))
    .filter((group) => group.size > 0);
}
