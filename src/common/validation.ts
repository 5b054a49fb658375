import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
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

/**
 * The field may be left out, but null is checked like any other value and so refused by the
 * field's type rules. `@IsOptional()` lets null through, which suits only fields where null
 * means something (clear the reply-to address, turn DKIM off).
 */
export const OptionalNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
