import { AppException } from '../common/app-exception';
import { readHeader, readRow } from './import-row';

describe('readHeader', () => {
  it('finds the known columns case-insensitively and keeps the rest as attributes', () => {
    expect(readHeader([' Email ', 'NAME', 'city', 'Locale', 'plan.tier'])).toEqual({
      count: 5,
      email: 0,
      name: 1,
      locale: 3,
      attributes: [
        [2, 'city'],
        [4, 'plan.tier'],
      ],
    });
  });

  it.each([
    [['name', 'city'], 'csv_missing_email'],
    [['email', 'Email'], 'csv_bad_header'],
    [['email', 'my city'], 'csv_bad_header'],
    [['email', ''], 'csv_bad_header'],
    [['email', ...Array.from({ length: 51 }, (_, i) => `a${i}`)], 'csv_bad_header'],
  ])('refuses %p with %s', (header, code) => {
    try {
      readHeader(header);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(AppException);
      expect((error as AppException).code).toBe(code);
    }
  });
});

describe('readRow', () => {
  const columns = readHeader(['email', 'name', 'locale', 'city']);

  it('normalises the address and leaves empty cells out', () => {
    expect(readRow(columns, [' Anna@Example.RU ', ' Анна ', 'RU', ''])).toEqual({
      email: 'Anna@example.ru',
      normalized: 'anna@example.ru',
      name: 'Анна',
      locale: 'ru',
      attributes: {},
    });
  });

  it.each([
    [['a@example.ru', 'x', 'ru'], /expected 4 fields, found 3/],
    [['nope', 'x', 'ru', ''], /@/],
    [['a@example.ru', 'x\ny', 'ru', ''], /name/],
    [['a@example.ru', 'x', 'de', ''], /locale/],
    [['a@example.ru', 'x', '', 'a\rb'], /city/],
    [['a@example.ru', 'x', '', 'z'.repeat(1001)], /city/],
  ])('reports %p', (record, message) => {
    const row = readRow(columns, record);
    expect('error' in row && row.error).toMatch(message);
  });
});
