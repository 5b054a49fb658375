import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  parsed: ParsedMail;
  envelopeFrom: string;
  envelopeTo: string[];
}

/** What the sink answers for one message: accept, or an SMTP error code and text. */
export type SinkVerdict = { accept: true } | { accept: false; code: number; message: string };

/**
 * An in-process SMTP server that keeps every message it accepts. Tests set `behaviour` to
 * make it answer 4xx/5xx, or `authFails` to refuse authentication (535).
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  behaviour: (rcpt: string[], index: number) => SinkVerdict = () => ({ accept: true });
  authFails = false;
  private server: SMTPServer;
  private count = 0;
  port = 0;

  constructor() {
    this.server = this.createServer();
  }

  private createServer(): SMTPServer {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 50 * 1024 * 1024,
      onAuth: (_auth, _session, callback) => {
        if (this.authFails) {
          const error = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number };
          error.responseCode = 535;
          return callback(error);
        }
        callback(null, { user: 'test' });
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const rcpt = session.envelope.rcptTo.map((r) => r.address);
          const verdict = this.behaviour(rcpt, this.count++);
          if (!verdict.accept) {
            const error = new Error(verdict.message) as Error & { responseCode: number };
            error.responseCode = verdict.code;
            return callback(error);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              this.messages.push({
                raw,
                parsed,
                envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                envelopeTo: rcpt,
              });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    // A client that dies mid-message (a killed worker) resets its connection; a server shrugs.
    server.on('error', () => undefined);
    return server;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Messages addressed to `email` (case-insensitive). */
  to(email: string): ReceivedMail[] {
    const wanted = email.toLowerCase();
    return this.messages.filter((m) => m.envelopeTo.some((r) => r.toLowerCase() === wanted));
  }

  /** Stops accepting connections; `start(samePort)` brings it back (an outage). */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server = this.createServer();
  }
}
