import { compareIds } from './delivery-ledger';

describe(compareIds.name, () => {
  it('orders bigint ids as numbers, beyond what a double holds exactly', () => {
    const ids = ['10', '9', '9007199254740993', '100', '9007199254740992', '11'];
    expect([...ids].sort(compareIds)).toEqual(['9', '10', '11', '100', '9007199254740992', '9007199254740993']);
  });
});
