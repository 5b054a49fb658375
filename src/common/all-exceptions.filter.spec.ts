import { BadRequestException, HttpStatus, NotFoundException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { toErrorBody } from './all-exceptions.filter';
import { badRequest } from './app-exception';

describe('toErrorBody', () => {
  it('keeps the code and message of our own exceptions', () => {
    expect(toErrorBody(badRequest('invalid_email', 'email is not valid'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'email is not valid',
      code: 'invalid_email',
    });
  });

  it('gives Nest exceptions a default code', () => {
    expect(toErrorBody(new NotFoundException()).code).toBe('not_found');
    expect(toErrorBody(new BadRequestException('Body is not valid JSON')).code).toBe('invalid_json');
  });

  it('maps throttling to 429 rate_limited', () => {
    expect(toErrorBody(new ThrottlerException())).toMatchObject({ statusCode: 429, code: 'rate_limited' });
  });

  it('maps Fastify body errors', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    expect(toErrorBody(tooLarge)).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
  });

  it('never leaks internals of unexpected errors', () => {
    const body = toErrorBody(new Error('relation "subscribers" does not exist at /app/src/x.ts:1'), 'req-1');
    expect(body).toEqual({
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      error: 'Internal Server Error',
      message: 'Internal error (request req-1)',
      code: 'internal_error',
    });
  });
});
