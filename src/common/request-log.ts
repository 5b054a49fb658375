import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** The process's pino instance: nestjs-pino's root logger and the request lines' (see AppModule). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Polled by load balancers and Prometheus: not worth a line each. */
const QUIET_URLS = new Set(['/health', '/metrics']);

/** Public links carry tokens: log the route, not the token, and never the query string. */
export function loggedUrl(url: string): string {
  return url.replace(/\/(confirm|unsubscribe)\/[^/?]+/, '/$1/…').split('?')[0];
}

/**
 * One JSON line per request, written by Fastify hooks: `req` (id, method, URL), `res`
 * (statusCode) and `responseTime` in ms, "request completed", or "request errored" at level
 * error from 500 up; a request the client gave up on before its answer is "request aborted".
 * The fields are pino-http's (which wrote 5xx at level info with a generic `err`). pino-http ran
 * as Express-style middleware through @fastify/middie and nestjs-pino bound an AsyncLocalStorage
 * around every request for it: about 8% of a registration's CPU for this one line (issue 6).
 * The line is built from named fields, never from headers or bodies, so nothing needs redacting;
 * the errors the exception filters log name the request id too.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  const req = (request: FastifyRequest) => ({ id: request.id, method: request.method, url: loggedUrl(request.url) });
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (!QUIET_URLS.has(request.url)) {
      const failed = reply.statusCode >= 500;
      logger[failed ? 'error' : 'info'](
        { req: req(request), res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime) },
        failed ? 'request errored' : 'request completed',
      );
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request: FastifyRequest, done: () => void) => {
    if (!QUIET_URLS.has(request.url)) logger.info({ req: req(request) }, 'request aborted');
    done();
  });
}
