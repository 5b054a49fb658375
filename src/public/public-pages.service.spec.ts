import { browserLocale } from './public-pages.service';

describe('browserLocale', () => {
  it.each([
    ['ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7', 'ru'],
    ['en-US,en;q=0.9,ru;q=0.8', 'en'],
    ['de-DE,de;q=0.9,ru;q=0.5', 'ru'],
    ['en;q=0.3, ru;q=0.6', 'ru'],
    ['fr', 'en'],
    ['', 'en'],
    [null, 'en'],
    [';;;,,q=', 'en'],
  ])('%p → %s', (header, locale) => {
    expect(browserLocale(header)).toBe(locale);
  });
});
