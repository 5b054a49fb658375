import 'reflect-metadata';
import { getMetadataArgsStorage } from 'typeorm';
import { SUBSCRIBER_COLUMNS } from './subscriber-row';
import { Subscriber } from './subscriber.entity';

describe('SUBSCRIBER_COLUMNS', () => {
  it('lists every column of the Subscriber entity (the RETURNING list of the prepared hot paths)', () => {
    const columns = getMetadataArgsStorage()
      .columns.filter((c) => c.target === Subscriber)
      .map((c) => c.options.name ?? c.propertyName);
    expect(SUBSCRIBER_COLUMNS.split(', ').sort()).toEqual(columns.sort());
  });
});
