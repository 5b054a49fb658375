import type { FastifyRequest } from 'fastify';

const FIELD = 'List-Unsubscribe';
const VALUE = 'One-Click';

/**
 * True when the POST carries the RFC 8058 body `List-Unsubscribe=One-Click`, sent by mail
 * clients as application/x-www-form-urlencoded (parsed by Fastify) or multipart/form-data
 * (read here, files drained). A body we cannot read counts as not one-click.
 */
export async function isOneClick(request: FastifyRequest): Promise<boolean> {
  if (request.isMultipart?.()) {
    let found = false;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === FIELD && String(part.value).trim() === VALUE) found = true;
        } else {
          part.file.resume();
        }
      }
    } catch {
      return found;
    }
    return found;
  }
  const body = request.body as Record<string, unknown> | undefined | null;
  if (!body || typeof body !== 'object') return false;
  const value = body[FIELD];
  return (Array.isArray(value) ? value : [value]).some(
    (v) => typeof v === 'string' && v.trim() === VALUE,
  );
}
