import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: string;
  [extra: string]: unknown;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Fastify's own errors (body parsing) carry these codes before Nest sees the request. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/** Turns any error into `{statusCode, error, message, code}`; never leaks stacks or SQL. */
export function toErrorBody(exception: unknown, requestId?: string): ErrorBody {
  if (exception instanceof ThrottlerException) {
    return { statusCode: 429, error: STATUS_CODES[429]!, message: 'Too many requests', code: 'rate_limited' };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
    const message = (body.message as string | string[] | undefined) ?? exception.message;
    const jsonSyntax = status === 400 && !body.code && /valid JSON/i.test(String(message));
    const code = jsonSyntax
      ? 'invalid_json'
      : ((body.code as string | undefined) ?? DEFAULT_CODES[status] ?? `http_${status}`);
    const extra = { ...body };
    delete extra.message;
    delete extra.code;
    delete extra.statusCode;
    delete extra.error;
    return { ...extra, statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code };
  }
  const fastify = exception as { code?: string; statusCode?: number; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    const status = fastify.statusCode;
    const isJsonSyntax = exception instanceof SyntaxError || /JSON/.test(fastify.message ?? '');
    const code =
      (fastify.code && FASTIFY_CODES[fastify.code]) ??
      (isJsonSyntax ? 'invalid_json' : DEFAULT_CODES[status] ?? `http_${status}`);
    const message =
      code === 'invalid_json'
        ? 'The request body is not valid JSON'
        : code === 'payload_too_large'
          ? 'The request body is too large'
          : (STATUS_CODES[status] ?? 'Bad request');
    return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code };
  }
  return {
    statusCode: 500,
    error: STATUS_CODES[500]!,
    message: requestId ? `Internal error (request ${requestId})` : 'Internal error',
    code: 'internal_error',
  };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = toErrorBody(exception, String(request?.id ?? ''));
    if (body.statusCode >= 500) {
      this.logger.error({ err: exception, requestId: request?.id }, 'Unhandled error');
    }
    if (body.statusCode === HttpStatus.TOO_MANY_REQUESTS) void reply.header('retry-after', '60');
    void reply.status(body.statusCode).send(body);
  }
}
