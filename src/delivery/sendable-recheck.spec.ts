import { SendableRecheck } from './sendable-recheck';

const refs = (...ids: string[]) => ids.map((id) => ({ id }));

function clockAndLedger() {
  let now = 1000;
  const looks: string[][] = [];
  let gone = new Map<string, string>();
  const find = async (pending: { id: string }[]) => {
    const ids = pending.map((p) => p.id);
    looks.push(ids);
    return new Map([...gone].filter(([id]) => ids.includes(id)));
  };
  return {
    find,
    looks,
    now: () => now,
    advance: (ms: number) => (now += ms),
    leave: (entries: [string, string][]) => (gone = new Map(entries)),
  };
}

describe(SendableRecheck.name, () => {
  it('does not look again while the chunk is younger than the interval', async () => {
    const t = clockAndLedger();
    const recheck = new SendableRecheck(t.find, 1000, undefined, t.now);
    t.leave([['2', 'subscriber unsubscribed']]);
    t.advance(999);
    expect(await recheck.reasonToSkip('2', () => refs('2', '3'))).toBeNull();
    expect(t.looks).toEqual([]);
  });

  it('looks once the interval has passed, for every message not yet handed over, and skips who left', async () => {
    const t = clockAndLedger();
    const recheck = new SendableRecheck(t.find, 1000, undefined, t.now);
    t.leave([['3', 'subscriber unsubscribed'], ['5', 'subscriber erased']]);
    t.advance(1000);
    expect(await recheck.reasonToSkip('2', () => refs('2', '3', '4', '5'))).toBeNull();
    expect(await recheck.reasonToSkip('3', () => refs('3', '4', '5'))).toBe('subscriber unsubscribed');
    expect(await recheck.reasonToSkip('5', () => refs('5'))).toBe('subscriber erased');
    expect(t.looks).toEqual([['2', '3', '4', '5']]);
    t.advance(1000);
    await recheck.reasonToSkip('4', () => refs('4'));
    expect(t.looks).toEqual([['2', '3', '4', '5'], ['4']]);
  });

  it('makes the lanes that ask during a look wait for that one look', async () => {
    const t = clockAndLedger();
    let release!: () => void;
    const slow = async (pending: { id: string }[]) => {
      await new Promise<void>((resolve) => (release = resolve));
      return t.find(pending);
    };
    const recheck = new SendableRecheck(slow, 1000, undefined, t.now);
    t.leave([['4', 'subscriber unsubscribed']]);
    t.advance(1500);
    const first = recheck.reasonToSkip('3', () => refs('3', '4'));
    const second = recheck.reasonToSkip('4', () => refs('4'));
    release();
    expect(await Promise.all([first, second])).toEqual([null, 'subscriber unsubscribed']);
    expect(t.looks).toEqual([['3', '4']]);
  });

  it('goes on with what it knew when the look fails, and tells', async () => {
    const t = clockAndLedger();
    const failures: unknown[] = [];
    const recheck = new SendableRecheck(async () => Promise.reject(new Error('ECONNREFUSED')), 1000, (e) => failures.push(e), t.now);
    t.advance(1000);
    expect(await recheck.reasonToSkip('1', () => refs('1'))).toBeNull();
    expect(failures).toHaveLength(1);
    expect(await recheck.reasonToSkip('2', () => refs('2'))).toBeNull(); // not due again yet
    expect(failures).toHaveLength(1);
  });
});
