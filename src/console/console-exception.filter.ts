import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorBody } from '../common/all-exceptions.filter';
import { pickLocale } from './console-i18n';
import { LANG_COOKIE, SignInRequired } from './console.context';
import { ConsoleViews } from './console-views.service';
import { respond } from './console-render.interceptor';

/**
 * Console errors as pages: no session → the sign-in page; fetches (Accept: application/json)
 * get the API's error body; anything else an HTML page with the message and its code.
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  constructor(private readonly views: ConsoleViews) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof SignInRequired) {
      void reply.code(303).header('location', '/console').header('cache-control', 'no-store').send('');
      return;
    }
    const body = toErrorBody(exception, req.id);
    if (body.statusCode >= 500) this.logger.error({ err: exception, requestId: req.id }, 'console request failed');
    if (String(req.headers.accept ?? '').includes('application/json')) {
      void reply.code(body.statusCode).header('cache-control', 'no-store').send(body);
      return;
    }
    // The guard may have failed before it built the context: build a minimal, signed-out one.
    req.console ??= {
      locale: pickLocale(req.cookies?.[LANG_COOKIE], req.headers['accept-language']),
      csrfToken: '',
      sessionId: null,
      principal: null,
      site: null,
      secure: req.protocol === 'https',
      verifyCsrf: () => false,
    };
    const html = respond(this.views, req, reply, {
      view: 'error',
      title: 'error_title',
      status: body.statusCode,
      data: { error: body, messages: ([] as string[]).concat(body.message) },
    });
    void reply.send(html);
  }
}
