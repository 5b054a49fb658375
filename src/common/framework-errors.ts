import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';

const PUBLIC_LINK = /^\/(confirm|unsubscribe)\//;

/** Renders the public "this link is not valid" page for a browser's Accept-Language. */
export type InvalidLinkPage = (acceptLanguage: string | undefined) => string;

let invalidLinkPage: InvalidLinkPage | null = null;

/** configureApp registers the page renderer once the app (and its templates) exist. */
export function setInvalidLinkPage(render: InvalidLinkPage): void {
  invalidLinkPage = render;
}

/**
 * Fastify's `frameworkErrors`: path parts it refuses before any route runs (longer than
 * maxParamLength, broken %-encoding) would otherwise get Fastify's own body, with its FST_ERR code
 * and the whole path echoed back. API paths get our error shape; public link pages the 400 page.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // Routing failed before the onRequest hook that sets it on every other answer.
  void reply.header('x-request-id', request.id);
  if (PUBLIC_LINK.test(request.raw.url ?? '') && invalidLinkPage) {
    void reply
      .status(400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex, nofollow')
      .send(invalidLinkPage(request.headers['accept-language'] as string | undefined));
    return;
  }
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  void reply.status(status).send({
    statusCode: status,
    error: STATUS_CODES[status],
    message: tooLong ? 'A part of the path is too long' : 'The path is not a valid URL',
    code: tooLong ? 'uri_too_long' : 'invalid_url',
  });
}
