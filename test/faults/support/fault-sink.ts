import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { SinkVerdict } from '../../support/smtp-sink';
import { sleep } from './vestnik-process';

export interface SunkMessage {
  to: string;
  messageId: string | null;
  bulletinId: string | null;
  at: number;
}

/**
 * An in-process SMTP server with the same controls as test/support/smtp-sink.ts (`behaviour`,
 * `authFails`, `stop()` / `start(port)`), but it keeps only the envelope recipient and the
 * Message-ID / X-Vestnik-Bulletin headers: parsing 50,000 whole messages with mailparser in the
 * test process would cost more CPU than the service under test. `delayMs` holds each answer
 * back, so a bulletin of a few hundred messages is still sending when the fault hits.
 */
export class FaultSink {
  readonly messages: SunkMessage[] = [];
  behaviour: (rcpt: string[], index: number) => SinkVerdict = () => ({ accept: true });
  /** Answer to RCPT TO, where real servers say 550 5.1.1 for an unknown mailbox. */
  rcptBehaviour: (address: string) => SinkVerdict = () => ({ accept: true });
  /** Every refusal the sink gave, per recipient. */
  readonly refusals: { to: string; code: number; stage: 'rcpt' | 'data' }[] = [];
  authFails = false;
  delayMs = 0;
  /** Answers given: accepted plus refused (every DATA that reached the sink). */
  answered = 0;
  refused = 0;
  authRefused = 0;
  /** DATA received and not yet answered. */
  inFlight = 0;
  port = 0;
  private server: SMTPServer;
  /** Bumped by stop(): a message whose DATA began before an outage was never acknowledged. */
  private generation = 0;

  constructor() {
    this.server = this.createServer();
  }

  /** With credentials, so the service authenticates and `authFails` can answer 535. */
  get url(): string {
    return `smtp://sink:sink-password@127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** An outage: refuses new connections and drops open ones (421) at once. */
  async stop(): Promise<void> {
    this.generation++;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.createServer();
  }

  /** Accepted messages per recipient (lower-cased). */
  countByRecipient(): Map<string, SunkMessage[]> {
    const map = new Map<string, SunkMessage[]>();
    for (const message of this.messages) {
      const list = map.get(message.to) ?? [];
      list.push(message);
      map.set(message.to, list);
    }
    return map;
  }

  forBulletin(bulletinId: string): SunkMessage[] {
    return this.messages.filter((m) => m.bulletinId === bulletinId);
  }

  private createServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      closeTimeout: 1,
      size: 50 * 1024 * 1024,
      onAuth: (_auth, _session, callback) => {
        if (this.authFails) {
          this.authRefused++;
          return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
        }
        callback(null, { user: 'sink' });
      },
      onRcptTo: (address, _session, callback) => {
        const verdict = this.rcptBehaviour(address.address.toLowerCase());
        if (verdict.accept) return callback();
        this.refusals.push({ to: address.address.toLowerCase(), code: verdict.code, stage: 'rcpt' });
        callback(smtpError(verdict.code, verdict.message));
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        // Taken when DATA begins: a message still arriving when stop() told the client 421 is not kept.
        const generation = this.generation;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          if (size < 16_384) chunks.push(chunk); // headers are at the start
          size += chunk.length;
        });
        stream.on('end', () => {
          this.inFlight++;
          const rcpt = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          const verdict = this.behaviour(rcpt, this.answered++);
          void sleep(this.delayMs).then(() => {
            this.inFlight--;
            if (generation !== this.generation) return callback(smtpError(421, '4.3.2 Service shutting down'));
            if (!verdict.accept) {
              this.refused++;
              for (const to of rcpt) this.refusals.push({ to, code: verdict.code, stage: 'data' });
              return callback(smtpError(verdict.code, verdict.message));
            }
            const headers = headerBlock(Buffer.concat(chunks).toString('utf8'));
            for (const to of rcpt) {
              this.messages.push({
                to,
                messageId: header(headers, 'message-id'),
                bulletinId: header(headers, 'x-vestnik-bulletin'),
                at: Date.now(),
              });
            }
            callback();
          });
        });
      },
    });
    // A client that dies mid-message (a killed worker) resets its connection; a server shrugs.
    server.on('error', () => undefined);
    return server;
  }
}

function smtpError(code: number, message: string): Error {
  const error = new Error(message) as Error & { responseCode: number };
  error.responseCode = code;
  return error;
}

function headerBlock(raw: string): string {
  const end = raw.search(/\r?\n\r?\n/);
  return (end === -1 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

function header(block: string, name: string): string | null {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block);
  return match ? match[1].trim() : null;
}
