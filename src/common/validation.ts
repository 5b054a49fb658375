import { ValidationError, ValidationPipe } from '@nestjs/common';
import { badRequest } from './app-exception';

function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) =>
      text.startsWith(error.property) ? `${path}${text.slice(error.property.length)}` : `${path}: ${text}`,
    );
    return own.concat(describe(error.children ?? [], path));
  });
}

/** Global validation: whitelist, unknown fields refused, messages name the field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fields = errors.map((e) => e.property);
      return badRequest('validation_failed', describe(errors), { fields });
    },
  });
}

/** Refuses CR, LF and NUL: anything that may reach a mail header. */
export const NO_HEADER_BREAKS = /^[^\r\n\0]*$/;
