import { formatRatio, heldTo } from './report';

describe('formatRatio', () => {
  it('prints two decimals', () => {
    expect(formatRatio(0.5449, { atLeast: 0.5 })).toBe('0.54');
    expect(formatRatio(0.024, { atLeast: 0.3 })).toBe('0.02');
    expect(formatRatio(1.0951)).toBe('1.10');
  });

  it('never shows a ratio that misses its bound rounded onto it', () => {
    expect(formatRatio(0.4954, { atLeast: 0.5 })).toBe('0.495');
    expect(formatRatio(0.5999, { atLeast: 0.6 })).toBe('0.5999');
    expect(formatRatio(1.1049, { atMost: 1.1 })).toBe('1.105');
  });

  it('stops at four decimals', () => {
    expect(formatRatio(0.299999, { atLeast: 0.3 })).toBe('0.3000');
  });

  it('keeps two decimals for a ratio that meets its bound', () => {
    expect(formatRatio(0.5999, { atMost: 0.6 })).toBe('0.60');
    expect(formatRatio(0.604, { atLeast: 0.6 })).toBe('0.60');
  });
});

describe('heldTo', () => {
  it('derives the verdict from the bound and any condition beside it', () => {
    expect(heldTo(0.51, { atLeast: 0.5 })).toEqual({ ratio: 0.51, bound: { atLeast: 0.5 }, pass: true });
    expect(heldTo(0.4954, { atLeast: 0.5 }).pass).toBe(false);
    expect(heldTo(0.51, { atLeast: 0.5 }, false).pass).toBe(false);
    expect(heldTo(1.05, { atMost: 1.1 }).pass).toBe(true);
    expect(heldTo(1.15, { atMost: 1.1 }).pass).toBe(false);
  });
});
