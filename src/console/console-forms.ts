import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppException } from '../common/app-exception';

export type Form = Record<string, string | string[] | undefined>;

/** One value of a urlencoded field (a repeated field keeps its last value). */
export function field(form: Form | undefined, name: string): string | undefined {
  const value = form?.[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/**
 * Reads a form into one of the API's DTO classes and validates it with the API's own rules,
 * so the console accepts exactly what the API accepts. Empty fields count as absent.
 */
export async function formToDto<T extends object>(
  type: new () => T,
  form: Form,
  fields: string[],
  transform: Record<string, (value: string) => unknown> = {},
): Promise<{ dto: T; errors: null } | { dto: null; errors: string[] }> {
  const plain: Record<string, unknown> = {};
  for (const name of fields) {
    const value = field(form, name);
    if (value === undefined || value === '') continue;
    plain[name] = transform[name] ? transform[name](value) : value;
  }
  return validateDto(type, plain);
}

/** Validates a plain object against an API DTO class with the global pipe's settings. */
export async function validateDto<T extends object>(
  type: new () => T,
  plain: Record<string, unknown>,
): Promise<{ dto: T; errors: null } | { dto: null; errors: string[] }> {
  const dto = plainToInstance(type, plain);
  const problems = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (!problems.length) return { dto, errors: null };
  return {
    dto: null,
    errors: problems.flatMap((p) => Object.values(p.constraints ?? { [p.property]: `${p.property} is invalid` })),
  };
}

/** A service's refusal (400/409 with a code) shown on the form instead of an error page. */
export function formError(error: unknown): string[] {
  if (error instanceof AppException && error.getStatus() < 500) {
    const body = error.getResponse() as { message: string | string[] };
    return ([] as string[]).concat(body.message);
  }
  throw error;
}
