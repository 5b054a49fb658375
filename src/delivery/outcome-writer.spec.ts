import { DeliveryOutcome } from './delivery-ledger';
import { DATABASE_REWRITE, OutcomeWriter } from './outcome-writer';

const sent = (id: string): DeliveryOutcome => ({
  id,
  claimedAttempts: 1,
  status: 'sent',
  error: null,
  retryDelayMs: 0,
  refundAttempt: false,
});
const queued = (id: string): DeliveryOutcome => ({
  id,
  claimedAttempts: 1,
  status: 'queued',
  error: '450 busy',
  retryDelayMs: 1000,
  refundAttempt: false,
});

function ledger(failures = 0, error: () => Error = () => new Error('Connection terminated unexpectedly')) {
  const statements: { bulletinId: string; ids: string[] }[] = [];
  const record = async (bulletinId: string, outcomes: DeliveryOutcome[]) => {
    if (failures-- > 0) throw error();
    statements.push({ bulletinId, ids: outcomes.map((o) => o.id) });
    return new Set(outcomes.filter((o) => o.status !== 'queued').map((o) => o.id));
  };
  return { statements, record };
}

describe(OutcomeWriter.name, () => {
  it('never puts two bulletins in one statement', async () => {
    const { statements, record } = ledger();
    const writer = new OutcomeWriter(record, 3);
    const a = writer.chunk('A');
    const b = writer.chunk('B');
    for (const id of ['1', '2', '3']) {
      a.add(sent(`a${id}`));
      b.add(sent(`b${id}`));
    }
    expect(await a.flush()).toBe(3);
    expect(await b.flush()).toBe(3);
    expect(statements).toEqual([
      { bulletinId: 'A', ids: ['a1', 'a2', 'a3'] },
      { bulletinId: 'B', ids: ['b1', 'b2', 'b3'] },
    ]);
  });

  it('counts for each chunk only its own settled deliveries', async () => {
    const { statements, record } = ledger();
    const writer = new OutcomeWriter(record, 10);
    const first = writer.chunk('A');
    const second = writer.chunk('A');
    first.add(sent('1'));
    second.add(queued('2'));
    second.add(sent('3'));
    expect(await second.flush()).toBe(1);
    expect(await first.flush()).toBe(1);
    // The second chunk's end wrote the first one's outcome too; the first had nothing left.
    expect(statements).toEqual([{ bulletinId: 'A', ids: ['1', '2', '3'] }]);
  });

  it('gives the outcomes of a failed shared statement back to their chunks, which write them again', async () => {
    const { statements, record } = ledger(1);
    const writer = new OutcomeWriter(record, 2);
    const first = writer.chunk('A');
    const second = writer.chunk('A');
    first.add(sent('1'));
    second.add(sent('2')); // the second outcome starts a statement, which fails
    second.add(sent('3'));
    expect(await first.flush()).toBe(1);
    expect(await second.flush()).toBe(2);
    expect(statements.flatMap((s) => s.ids).sort()).toEqual(['1', '2', '3']);
  });

  it('writes the outcomes again while the database is away, and settles only once they are in', async () => {
    const { statements, record } = ledger(5);
    const retries: number[] = [];
    const writer = new OutcomeWriter(record, 2, { ...DATABASE_REWRITE, delayMs: () => 1, onRetry: (_error, failures) => retries.push(failures) });
    const chunk = writer.chunk('A');
    chunk.add(sent('1'));
    chunk.add(sent('2')); // this shared statement fails, so does the one for '3' at the flush, then three rewrites
    chunk.add(queued('3'));
    expect(await chunk.flush()).toBe(2);
    expect(retries).toEqual([1, 2, 3]);
    expect(statements).toEqual([{ bulletinId: 'A', ids: ['1', '2', '3'] }]);
  });

  it('waits longer after each failure, up to 2 s', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => DATABASE_REWRITE.delayMs(n))).toEqual([200, 400, 800, 1600, 2000, 2000]);
  });

  it('rejects the flush when the statement itself is refused, so its job fails instead of trying forever', async () => {
    const refused = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const { statements, record } = ledger(2, refused); // the shared statement, then the rewrite
    const writer = new OutcomeWriter(record, 10, { ...DATABASE_REWRITE, delayMs: () => 1 });
    const chunk = writer.chunk('A');
    chunk.add(sent('1'));
    await expect(chunk.flush()).rejects.toThrow('invalid byte sequence');
    expect(statements).toEqual([]);
  });
});
