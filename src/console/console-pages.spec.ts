import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';
import { BulletinDto } from '../bulletins/dto/bulletin.dto';
import { problem, progress } from './console-bulletins.service';
import { dailyChart } from './console-chart';
import { pickLocale, translate } from './console-i18n';

const bulletin = (status: BulletinDto['status'], stats: Partial<BulletinDto['stats']>): BulletinDto =>
  ({ status, stats: { total: 0, queued: 0, sent: 0, failed: 0, skipped: 0, ...stats } }) as BulletinDto;

describe('console page helpers', () => {
  it('draws one bar per non-zero value, a label every 7 days ending today, and escapes nothing it did not build', () => {
    const days = Array.from({ length: 30 }, (_, i) => ({
      day: `2026-11-${String(i + 1).padStart(2, '0')}`,
      registered: i === 29 ? 5 : 0,
      unsubscribed: i === 28 ? 1 : 0,
    }));
    const svg = dailyChart(days, { registered: 'Reg <b>', unsubscribed: 'Unsub' });
    expect(svg.match(/<rect /g)).toHaveLength(2);
    expect(svg).toContain('>11-30<');
    expect(svg).toContain('>11-23<');
    expect(svg).not.toContain('>11-29<');
    expect(svg).not.toContain('<b>');
    expect(dailyChart([], { registered: 'r', unsubscribed: 'u' })).toContain('<svg');
  });

  it('computes progress from the stats; a sent bulletin with nobody in it is 100%', () => {
    expect(progress(bulletin('sending', { total: 4, sent: 1, failed: 1 }))).toMatchObject({ percent: 50, done: 2 });
    expect(progress(bulletin('sending', { total: 3, sent: 1 })).percent).toBe(33);
    expect(progress(bulletin('sent', { total: 0 })).percent).toBe(100);
    expect(progress(bulletin('sending', { total: 0 })).percent).toBe(0);
  });

  it('turns template_syntax into a field, a line and the lines around it; other errors into null', () => {
    const error = new AppException(HttpStatus.BAD_REQUEST, 'template_syntax', 'html: template error on line 3', {
      field: 'html',
      line: 3,
    });
    const found = problem(error, { html: 'a\r\nb\r\nc\r\nd\r\ne\r\nf' })!;
    expect(found).toMatchObject({ field: 'html', line: 3 });
    expect(found.excerpt.map((l) => [l.n, l.text, l.bad])).toEqual([
      [1, 'a', false],
      [2, 'b', false],
      [3, 'c', true],
      [4, 'd', false],
      [5, 'e', false],
    ]);
    expect(problem(new AppException(HttpStatus.CONFLICT, 'bulletin_not_draft', 'x'), {})).toBeNull();
    expect(problem(new Error('boom'), {})).toBeNull();
  });

  it('picks the language from the switch, then Accept-Language, else Russian; translates with arguments', () => {
    expect(pickLocale('en', 'ru')).toBe('en');
    expect(pickLocale(undefined, 'de-DE,en-US;q=0.8')).toBe('en');
    expect(pickLocale('fr', undefined)).toBe('ru');
    expect(translate('ru', 'at_line', [3])).toBe('строка 3');
    expect(translate('en', 'no_such_key')).toBe('no_such_key');
  });
});
