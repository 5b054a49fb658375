import { BulletinMailer } from './bulletin-mailer';

describe('BulletinMailer.prepare cache', () => {
  let now: number;
  let mailer: BulletinMailer;
  let load: jest.SpyInstance;
  const cached = () => (mailer as unknown as { prepared: Map<string, unknown> }).prepared;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    mailer = new BulletinMailer({} as never, {} as never, {} as never, {} as never);
    load = jest.spyOn(mailer as unknown as { load: () => Promise<null> }, 'load').mockResolvedValue(null);
  });
  afterEach(() => jest.restoreAllMocks());

  it('loads a bulletin once while it is fresh, again after 30 s', async () => {
    await mailer.prepare('a');
    now += 29_000;
    await mailer.prepare('a');
    expect(load).toHaveBeenCalledTimes(1);
    now += 2_000;
    await mailer.prepare('a');
    expect(load).toHaveBeenCalledTimes(2);
    expect(cached().size).toBe(1);
  });

  it('drops expired bulletins instead of keeping every bulletin the process has sent', async () => {
    for (const id of ['a', 'b', 'c']) await mailer.prepare(id);
    now += 31_000;
    await mailer.prepare('d');
    expect([...cached().keys()]).toEqual(['d']);
  });
});
