import { isTransientDatabaseError } from './transient-error';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe(isTransientDatabaseError.name, () => {
  it('takes lost connections and a server going away or out of room as transient', () => {
    expect(isTransientDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientDatabaseError(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['08006', '08001', '57014', '57P01', '57P03', '53300', '40001', '40P01']) expect(isTransientDatabaseError(pgError(code))).toBe(true);
  });

  it('takes an error about the statement itself as permanent', () => {
    for (const code of ['23505', '23502', '22021', '42601', '42P01']) expect(isTransientDatabaseError(pgError(code))).toBe(false);
  });

  it('reads the driver error that TypeORM wraps', () => {
    expect(isTransientDatabaseError({ driverError: pgError('57P01') })).toBe(true);
    expect(isTransientDatabaseError({ driverError: pgError('23505') })).toBe(false);
  });

  it('is not fooled by values that are not errors', () => {
    expect(isTransientDatabaseError(null)).toBe(false);
    expect(isTransientDatabaseError('timeout')).toBe(false);
  });
});
