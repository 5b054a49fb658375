import { SmtpConnection, SmtpMessage, SmtpTransaction, TransactionSource } from './smtp-connection';
import { SmtpOptions } from './smtp-options';
import { SmtpError } from './smtp-replies';

/** How long the pool stops opening connections after one was refused while others are open. */
const GROW_PAUSE_MS = 5000;

interface IdleConnection {
  connection: SmtpConnection;
  hand: (transaction: SmtpTransaction | null) => void;
}

/**
 * Up to `maxConnections` kept-open SMTP connections sharing one FIFO of messages. Connections
 * open when messages wait and none is free, and close after `idleTimeout` without work. When a
 * connection cannot be opened and no other one is open or opening, every waiting message fails with that
 * error at once (the server is unreachable; the caller retries later) instead of each one
 * waiting for a connection of its own to fail.
 */
export class SmtpPool {
  private readonly queue: SmtpTransaction[] = [];
  private readonly idle: IdleConnection[] = [];
  private readonly connections = new Set<SmtpConnection>();
  /** Connections not yet open: they will take from the queue once they are. */
  private opening = 0;
  /** After a refused open while others work, no new connection until then (the server limits us). */
  private growPausedUntil = 0;
  private closed = false;

  constructor(private readonly options: SmtpOptions) {}

  /** Resolves with the server's final answer (`250 2.0.0 Ok: queued as …`); rejects with SmtpError. */
  send(message: SmtpMessage): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new SmtpError('The SMTP transport is closed', 'ECONNECTION'));
      // Built field by field: one object shape for every transaction (a spread measured 5–8 µs
      // more per message in bench/experiments/transport-cost.ts).
      const { from, to, data, wireReady = false } = message;
      const transaction: SmtpTransaction = { from, to, data, wireReady, resolve, reject };
      if (!this.handToIdle(transaction)) {
        this.queue.push(transaction);
        this.grow();
      }
    });
  }

  /** Lets idle connections say QUIT; messages still waiting fail. */
  close(): void {
    this.closed = true;
    for (const waiting of this.idle.splice(0)) waiting.hand(null);
    this.failQueue(new SmtpError('The SMTP transport is closed', 'ECONNECTION'));
  }

  private handToIdle(transaction: SmtpTransaction): boolean {
    for (let waiting = this.idle.pop(); waiting; waiting = this.idle.pop()) {
      if (waiting.connection.alive) {
        waiting.hand(transaction);
        return true;
      }
      waiting.hand(null);
    }
    return false;
  }

  /** Opens connections while messages wait for one (never more than are waiting). */
  private grow(): void {
    if (Date.now() < this.growPausedUntil && this.connections.size > 0) return;
    while (!this.closed && this.queue.length > this.opening && this.connections.size < this.options.maxConnections) {
      this.open();
    }
  }

  private open(): void {
    const connection: SmtpConnection = new SmtpConnection(this.options, this.sourceFor(() => connection));
    this.connections.add(connection);
    this.opening++;
    connection
      .open()
      .then(
        () => {
          this.opening--;
          return connection.run();
        },
        (error: Error) => {
          this.opening--;
          connection.destroy(error);
          this.connections.delete(connection);
          // With no connection open or opening nobody will send what waits: it fails now. While
          // others work (a server allowing fewer connections than we asked for), they carry the
          // queue, and no new connection is tried for a while instead of one per failure.
          if (this.connections.size === 0) this.failQueue(error);
          else this.growPausedUntil = Date.now() + GROW_PAUSE_MS;
        },
      )
      .catch((error: Error) => connection.destroy(error))
      .finally(() => {
        this.connections.delete(connection);
        this.grow();
      });
  }

  private sourceFor(connection: () => SmtpConnection): TransactionSource {
    return {
      take: () => this.queue.shift() ?? null,
      wait: () => {
        const queued = this.queue.shift();
        if (queued) return Promise.resolve(queued);
        if (this.closed) return Promise.resolve(null);
        return new Promise((resolve) => {
          const entry: IdleConnection = {
            connection: connection(),
            hand: (transaction) => {
              clearTimeout(timer);
              resolve(transaction);
            },
          };
          const timer = setTimeout(() => {
            const at = this.idle.indexOf(entry);
            if (at >= 0) this.idle.splice(at, 1);
            resolve(null);
          }, this.options.idleTimeout);
          timer.unref();
          this.idle.push(entry);
        });
      },
      giveBack: (transaction) => {
        if (this.closed) return transaction.reject(new SmtpError('The SMTP transport is closed', 'ECONNECTION'));
        if (!this.handToIdle(transaction)) {
          this.queue.unshift(transaction);
          this.grow();
        }
      },
    };
  }

  private failQueue(error: Error): void {
    for (const transaction of this.queue.splice(0)) transaction.reject(error);
  }
}
