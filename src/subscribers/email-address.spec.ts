import { checkEmail } from './email-address';

describe('checkEmail', () => {
  it('trims, lower-cases the domain and keeps the local part for sending', () => {
    expect(checkEmail('  Ivan.Petrov@Example.RU ')).toEqual({
      ok: true,
      value: { email: 'Ivan.Petrov@example.ru', normalized: 'ivan.petrov@example.ru' },
    });
  });

  it('turns IDN domains into punycode', () => {
    const result = checkEmail('Ivan@Почта.РФ');
    expect(result).toEqual({
      ok: true,
      value: { email: 'Ivan@xn--80a1acny.xn--p1ai', normalized: 'ivan@xn--80a1acny.xn--p1ai' },
    });
    expect(checkEmail('ivan@xn--80a1acny.xn--p1ai')).toEqual(
      result.ok
        ? { ok: true, value: { ...result.value, email: 'ivan@xn--80a1acny.xn--p1ai' } }
        : null,
    );
  });

  it('accepts plus addressing and a trailing root dot', () => {
    expect(checkEmail("o'brien+news@mail.example.com.")).toMatchObject({
      ok: true,
      value: { email: "o'brien+news@mail.example.com" },
    });
  });

  it.each([
    ['no @', 'ivan.example.ru'],
    ['two @', 'ivan@petrov@example.ru'],
    ['inner space', 'ivan petrov@example.ru'],
    ['tab', 'ivan\t@example.ru'],
    ['quoted local part', '"ivan petrov"@example.ru'],
    ['quoted local part without spaces', '"ivan"@example.ru'],
    ['local part over 64', `${'a'.repeat(65)}@example.ru`],
    [
      'address over 254',
      `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.ru`,
    ],
    ['percent-encoded domain', 'ivan@ex%41mple.ru'],
    ['CR/LF', 'ivan@example.ru\r\nBcc: x@y.z'],
    ['trailing LF', 'ivan@example.ru\n'],
    ['NUL', 'ivan\0@example.ru'],
    ['empty', ''],
    ['only spaces', '   '],
    ['empty local part', '@example.ru'],
    ['empty domain', 'ivan@'],
    ['leading dot', '.ivan@example.ru'],
    ['double dot', 'iv..an@example.ru'],
    ['no dot in domain', 'ivan@localhost'],
    ['address literal', 'ivan@[203.0.113.7]'],
    ['underscore in domain', 'ivan@exa_mple.ru'],
    ['hyphen at label edge', 'ivan@-example.ru'],
    ['numeric tld', 'ivan@203.0.113.7'],
    ['non-ASCII local part', 'иван@example.ru'],
    ['angle brackets', '<ivan@example.ru>'],
    ['display name', 'Ivan <ivan@example.ru>'],
    ['comma list', 'a@example.ru,b@example.ru'],
  ])('refuses %s', (_label, input) => {
    expect(checkEmail(input).ok).toBe(false);
  });

  it.each([null, undefined, 42, true, ['a@b.ru'], { email: 'a@b.ru' }])(
    'refuses the non-string %p',
    (input) => {
      expect(checkEmail(input)).toEqual({ ok: false, reason: 'email must be a string' });
    },
  );
});
