import { registerDecorator, ValidationOptions } from 'class-validator';

export const MAX_ATTRIBUTES = 50;
export const MAX_ATTRIBUTE_VALUE = 1000;
export const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * Why an attributes object is not acceptable, or null. Values may reach templates and from
 * there mail subjects, so CR, LF and NUL are refused like in any other header-bound field.
 */
export function attributesProblem(value: unknown, allowNull = false): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object';
  const entries = Object.entries(value);
  if (entries.length > MAX_ATTRIBUTES) return `may have at most ${MAX_ATTRIBUTES} keys`;
  for (const [key, item] of entries) {
    if (!ATTRIBUTE_KEY.test(key))
      return `key "${key.slice(0, 64)}" must match ${ATTRIBUTE_KEY.source}`;
    if (item === null && allowNull) continue;
    if (typeof item === 'number' && Number.isFinite(item)) continue;
    if (typeof item === 'boolean') continue;
    if (typeof item !== 'string') return `"${key}" must be a string, number or boolean`;
    if (item.length > MAX_ATTRIBUTE_VALUE)
      return `"${key}" is longer than ${MAX_ATTRIBUTE_VALUE} characters`;
    if (/[\r\n\0]/.test(item)) return `"${key}" must not contain line breaks or NUL`;
  }
  return null;
}

/** Flat attributes: up to 50 keys, scalar values; `allowNull` for PATCH, where null removes a key. */
export function IsAttributes(
  options: { allowNull?: boolean } = {},
  validationOptions?: ValidationOptions,
) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAttributes',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate: (value: unknown) => attributesProblem(value, options.allowNull) === null,
        defaultMessage: (args) =>
          `${args?.property} ${attributesProblem(args?.value, options.allowNull)}`,
      },
    });
}
