import { HttpException, HttpStatus } from '@nestjs/common';

/** An HTTP error with a stable machine-readable `code`, rendered by AllExceptionsFilter. */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string | string[],
    readonly extra: Record<string, unknown> = {},
  ) {
    super({ message, code, ...extra }, status);
  }
}

export const badRequest = (code: string, message: string | string[], extra?: Record<string, unknown>) =>
  new AppException(HttpStatus.BAD_REQUEST, code, message, extra);
export const notFound = (code: string, message: string) =>
  new AppException(HttpStatus.NOT_FOUND, code, message);
export const conflict = (code: string, message: string) =>
  new AppException(HttpStatus.CONFLICT, code, message);
export const forbidden = (message = 'This key may not do that') =>
  new AppException(HttpStatus.FORBIDDEN, 'forbidden', message);
export const unauthorized = (message = 'A valid API key is required') =>
  new AppException(HttpStatus.UNAUTHORIZED, 'unauthorized', message);
