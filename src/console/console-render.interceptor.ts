import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { ConsoleResult, ConsoleViews } from './console-views.service';

/** Turns a handler's ConsoleResult into HTML, a 303 redirect, JSON or a download. */
@Injectable()
export class ConsoleRenderInterceptor implements NestInterceptor {
  constructor(private readonly views: ConsoleViews) {}

  intercept(context: ExecutionContext, next: CallHandler<ConsoleResult>): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(map((result: ConsoleResult | string) => respond(this.views, req, reply, result)));
  }
}

export function respond(views: ConsoleViews, req: FastifyRequest, reply: FastifyReply, result: ConsoleResult | string): unknown {
  if (typeof result === 'string') return result; // static assets
  // Console pages carry personal data and CSRF tokens: never cache them.
  void reply.header('cache-control', 'no-store');
  if ('redirect' in result) {
    void reply.code(303).header('location', result.redirect);
    return '';
  }
  if ('json' in result) {
    void reply.code(result.status ?? 200);
    return result.json;
  }
  if ('download' in result) {
    void reply
      .code(200)
      .type(result.type)
      .header('content-disposition', `attachment; filename="${result.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    return result.download;
  }
  void reply.code(result.status ?? 200).type('text/html; charset=utf-8');
  return views.render(req.console!, result);
}
