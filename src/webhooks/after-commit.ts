import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

const KEY = 'vestnik.afterCommit';
type Callback = () => Promise<void> | void;

/**
 * Runs callbacks once the caller's outermost transaction has committed, and drops them on
 * rollback: a job that names outbox rows must not reach Redis before the rows are visible.
 */
@Injectable()
export class AfterCommit implements EntitySubscriberInterface {
  constructor(dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  /** Runs `callback` after commit when `manager` is inside a transaction, else at once. */
  async run(manager: EntityManager | undefined, callback: Callback): Promise<void> {
    const runner = manager?.queryRunner;
    if (!runner || !runner.isTransactionActive) return void (await callback());
    const pending = (runner.data[KEY] ??= []) as Callback[];
    pending.push(callback);
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const runner = event.queryRunner;
    if (runner.isTransactionActive) return; // a savepoint was released; the outer transaction goes on
    const pending = runner.data[KEY] as Callback[] | undefined;
    if (!pending?.length) return;
    delete runner.data[KEY];
    for (const callback of pending) await callback();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) delete event.queryRunner.data[KEY];
  }
}
