import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TemplatesService } from '../mail/templates/templates.service';
import { browserLocale } from './public-pages.service';

/**
 * People read these answers, so errors are pages too: 429 "too many requests", any other client
 * error the 400 "link not valid" page, and an unexpected failure a 500 page without internals.
 */
@Catch()
export class PublicPagesFilter implements ExceptionFilter {
  private readonly logger = new Logger('PublicPages');

  constructor(private readonly templates: TemplatesService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const locale = browserLocale(request.headers['accept-language'] as string | undefined);
    let status = 400;
    if (exception instanceof ThrottlerException) {
      status = 429;
      void reply.header('retry-after', '60');
    } else if (!(exception instanceof HttpException) || exception.getStatus() >= 500) {
      status = 500;
      this.logger.error({ err: exception, requestId: request.id }, 'Public page failed');
    }
    const page = status === 429 ? 'unavailable' : status === 500 ? 'error' : 'invalid';
    void reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex, nofollow')
      .send(this.templates.renderPage(page, locale));
  }
}
