import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet, { HelmetOptions } from 'helmet';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/config';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { answerFrameworkError, setInvalidLinkPage } from './common/framework-errors';
import { logRequests, ROOT_LOGGER } from './common/request-log';
import { createValidationPipe } from './common/validation';
import { MetricsService } from './health/metrics.service';
import { TemplatesService } from './mail/templates/templates.service';
import { browserLocale } from './public/public-pages.service';

export const JSON_BODY_LIMIT = 1024 * 1024;
export const CSV_BODY_LIMIT = 50 * 1024 * 1024;
export const DSN_BODY_LIMIT = 10 * 1024 * 1024;

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Fastify: measured 4x Nest-on-Express for small JSON requests on this machine class. */
export function createAdapter(config: Pick<AppConfig, 'trustProxy'>): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    // Off by default: X-Forwarded-For from anyone would let clients pick their rate-limit address.
    trustProxy: config.trustProxy,
    // Public links carry signed tokens (~100 characters); longer ones must reach the handler
    // for a 400 page instead of Fastify's default 100-character limit answering 404.
    routerOptions: { maxParamLength: 4096 },
    frameworkErrors: answerFrameworkError,
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
}

/** Everything the HTTP app needs besides its modules; shared by main.ts and the tests. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  const templates = app.get(TemplatesService, { strict: false });
  setInvalidLinkPage((language) => templates.renderPage('invalid', browserLocale(language)));

  const fastify = app.getHttpAdapter().getInstance();
  const securityHeaders = helmetHeaders();
  // Hooks in callback style: an async hook costs a promise and a microtask turn per request.
  fastify.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    reply.raw.setHeader('x-request-id', request.id);
    done();
  });
  // Cookies: the web console's session, CSRF and language cookies (src/console).
  await app.register(fastifyCookie as never);
  // Nest's Fastify adapter already parses application/x-www-form-urlencoded (RFC 8058 one-click).
  await app.register(fastifyMultipart as never, { limits: { fileSize: JSON_BODY_LIMIT, fields: 20, files: 1 } });
  // CSV imports are streamed to the handler unparsed; the importer counts the bytes.
  fastify.addContentTypeParser(['text/csv', 'application/csv'], { bodyLimit: CSV_BODY_LIMIT }, (_req, payload, done) =>
    done(null, payload),
  );
  // Forwarded bounce messages (RFC 3464 DSN) arrive whole; the bounce intake parses the MIME itself.
  fastify.addContentTypeParser('message/rfc822', { parseAs: 'buffer', bodyLimit: DSN_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  logRequests(fastify, app.get(ROOT_LOGGER));
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  setupOpenApi(app);
}

const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: [`'self'`],
      styleSrc: [`'self'`, `'unsafe-inline'`],
      imgSrc: [`'self'`, 'data:'],
      scriptSrc: [`'self'`, `'unsafe-inline'`],
      formAction: [`'self'`],
      frameAncestors: [`'none'`],
    },
  },
};

/**
 * helmet's headers, read once at start-up. With these options (no nonces, no functions) its
 * middleware sets the same headers on every response; running its twelve middlewares per request
 * cost ~3% of a registration's CPU (and rebuilding them per request, as @fastify/helmet did, 6%).
 * Its removal of X-Powered-By is moot: neither Node nor Fastify sets one.
 */
export function helmetHeaders(options: HelmetOptions = HELMET_OPTIONS): [string, string][] {
  const headers: [string, string][] = [];
  const capture = {
    setHeader: (name: string, value: unknown) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, capture as unknown as ServerResponse, () => (finished = true));
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vestnik')
      .setDescription(
        'Newsletter subscription manager for several websites. Authenticated routes take ' +
          '`Authorization: Bearer <key>`. Errors are `{statusCode, error, message, code}`.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
