import { formatRatio } from './report';

describe('formatRatio', () => {
  it('prints two decimals', () => {
    expect(formatRatio(0.5449, true)).toBe('0.54');
    expect(formatRatio(0.024, false)).toBe('0.02');
    expect(formatRatio(6.3636, null)).toBe('6.36');
  });

  it('never shows a missed target rounded up onto it', () => {
    expect(formatRatio(0.4954, false)).toBe('0.495');
    expect(formatRatio(0.5999, false)).toBe('0.5999');
  });

  it('stops at four decimals', () => {
    expect(formatRatio(0.299999, false)).toBe('0.3000');
  });

  it('keeps two decimals for a met target that rounds up', () => {
    expect(formatRatio(0.5999, true)).toBe('0.60');
  });
});
