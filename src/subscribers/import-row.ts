import { badRequest } from '../common/app-exception';
import { LOCALES } from '../sites/site.entity';
import { ATTRIBUTE_KEY, MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES } from './dto/attributes.validator';
import { checkEmail } from './email-address';

/** Where the known columns are; every other column becomes an attribute of that name. */
export interface CsvColumns {
  count: number;
  email: number;
  name: number;
  locale: number;
  attributes: [index: number, key: string][];
}

export type ImportRow =
  | {
      email: string;
      normalized: string;
      name: string | null;
      locale: string | null;
      attributes: Record<string, string>;
    }
  | { error: string };

const KNOWN = ['email', 'name', 'locale'];

/** The header row; problems with it stop the import (400), since no row can be read without it. */
export function readHeader(record: string[]): CsvColumns {
  const names = record.map((name) => name.trim());
  const seen = new Set<string>();
  const attributes: [number, string][] = [];
  names.forEach((name, index) => {
    const known = KNOWN.includes(name.toLowerCase());
    const key = known ? name.toLowerCase() : name;
    if (seen.has(key))
      throw badRequest('csv_bad_header', `Column "${key}" appears twice in the header`);
    seen.add(key);
    if (known) return;
    if (!ATTRIBUTE_KEY.test(name)) {
      throw badRequest(
        'csv_bad_header',
        `Column name "${name.slice(0, 64)}" must match ${ATTRIBUTE_KEY.source}`,
      );
    }
    attributes.push([index, name]);
  });
  if (!seen.has('email'))
    throw badRequest('csv_missing_email', 'The header row must have an "email" column');
  if (attributes.length > MAX_ATTRIBUTES) {
    throw badRequest('csv_bad_header', `At most ${MAX_ATTRIBUTES} attribute columns are allowed`);
  }
  const at = (key: string) => names.findIndex((name) => name.toLowerCase() === key);
  return {
    count: names.length,
    email: at('email'),
    name: at('name'),
    locale: at('locale'),
    attributes,
  };
}

/** One data row, checked with the same rules as the JSON API. Empty cells mean "not given". */
export function readRow(columns: CsvColumns, record: string[]): ImportRow {
  if (record.length !== columns.count) {
    return { error: `expected ${columns.count} fields, found ${record.length}` };
  }
  const checked = checkEmail(record[columns.email]);
  if (!checked.ok) return { error: checked.reason };
  const name = columns.name >= 0 ? record[columns.name].trim() || null : null;
  if (name !== null && (name.length > 200 || /[\r\n\0]/.test(name))) {
    return { error: 'name must be at most 200 characters without line breaks or NUL' };
  }
  const locale = columns.locale >= 0 ? record[columns.locale].trim().toLowerCase() || null : null;
  if (locale !== null && !(LOCALES as readonly string[]).includes(locale)) {
    return { error: `locale must be one of ${LOCALES.join(', ')}` };
  }
  const attributes: Record<string, string> = {};
  for (const [index, key] of columns.attributes) {
    const value = record[index];
    if (value === '') continue;
    if (value.length > MAX_ATTRIBUTE_VALUE || /[\r\n\0]/.test(value)) {
      return {
        error: `${key} must be at most ${MAX_ATTRIBUTE_VALUE} characters without line breaks or NUL`,
      };
    }
    attributes[key] = value;
  }
  return {
    email: checked.value.email,
    normalized: checked.value.normalized,
    name,
    locale,
    attributes,
  };
}
