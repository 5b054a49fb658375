import { isIP, connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { SmtpOptions } from './smtp-options';
import { SmtpError, SmtpReplies, SmtpReply } from './smtp-replies';

/** One message for one SMTP transaction. */
export interface SmtpMessage {
  from: string;
  to: string[];
  /** RFC 5322 source with CRLF line ends, not yet dot-stuffed. */
  data: string | Buffer;
  /** `data` is 7-bit, CRLF-terminated and has no line starting with a dot: written as is. */
  wireReady?: boolean;
}

/** A message in the pool, settled with the server's final answer. */
export interface SmtpTransaction extends SmtpMessage {
  resolve: (response: string) => void;
  reject: (error: Error) => void;
  /** Times a dying connection handed it back before its body went out (bounded by MAX_RETURNS). */
  returned?: number;
}

/** A message whose connection died before it began is tried on another one, this many times. */
const MAX_RETURNS = 2;

/** Where a connection gets its work: the pool's queue. */
export interface TransactionSource {
  /** The next queued transaction, or null at once when there is none. */
  take(): SmtpTransaction | null;
  /** Waits for work; null means close (idle too long, or the pool is closing). */
  wait(): Promise<SmtpTransaction | null>;
  /** A transaction this connection took but never sent: it goes back to the front of the queue. */
  giveBack(transaction: SmtpTransaction): void;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const ok = (reply: SmtpReply) => reply.code >= 200 && reply.code < 300;

/**
 * One kept-open SMTP connection. It greets, upgrades with STARTTLS when offered, logs in, then
 * takes transactions from the pool until it is idle, has sent `maxMessages`, or fails. With
 * PIPELINING (RFC 2920) a message costs one round trip: MAIL, RCPT and DATA go out together,
 * and after each message's terminating dot the next message's MAIL/RCPT/DATA follow in the
 * same write. Without PIPELINING every command waits for its answer.
 */
export class SmtpConnection {
  private socket!: Socket | TLSSocket;
  private readonly replies = new SmtpReplies();
  private extensions: string[] = [];
  private pipelining = false;
  /** Set by a 421 or an unsolicited reply: finish the current message and go. */
  private closing = false;
  private sent = 0;

  constructor(
    private readonly options: SmtpOptions,
    private readonly source: TransactionSource,
  ) {
    this.replies.onUnsolicited = () => {
      this.closing = true;
    };
  }

  /** Connects, greets, secures and authenticates. Rejects with an SmtpError. */
  async open(): Promise<void> {
    this.socket = await this.connect();
    this.bind(this.socket);
    this.replies.expect();
    const greeting = await this.withTimeout(this.replies.next(), this.options.greetingTimeout, 'Greeting never received');
    // A refusal at the greeting or EHLO concerns the connection, not any message: temporary.
    if (greeting.code !== 220) throw new SmtpError(`Server refused the connection: ${greeting.text}`, 'ECONNECTION');
    await this.hello();
    if (!this.options.secure && !this.options.ignoreTLS && this.has('STARTTLS')) await this.startTls();
    else if (!this.options.secure && this.options.requireTLS) throw new SmtpError('STARTTLS is required but the server does not offer it', 'ETLS');
    if (this.options.auth) await this.login(this.options.auth.user, this.options.auth.pass);
  }

  /** Sends transactions until there is no more work for this connection, then says QUIT. */
  async run(): Promise<void> {
    let current = await this.source.wait();
    let envelopeWritten = false;
    while (current) {
      if (!envelopeWritten) this.writeEnvelope(current);
      const next = await this.transact(current);
      envelopeWritten = next !== null;
      current = next ?? (this.done() ? null : await this.source.wait());
    }
    this.quit();
  }

  /** Ends the connection now; anything outstanding fails with `error`. */
  destroy(error: Error): void {
    this.closing = true;
    this.replies.fail(error);
    this.socket?.destroy();
  }

  /** False once the server closed, asked to close, or the connection failed: give it no work. */
  get alive(): boolean {
    return !this.closing;
  }

  private done(): boolean {
    return this.closing || this.sent >= this.options.maxMessages;
  }

  /**
   * Reads the answers to one transaction, writes its body, and settles it. Returns the next
   * transaction when its envelope already went out behind this body (pipelining).
   */
  private async transact(tx: SmtpTransaction): Promise<SmtpTransaction | null> {
    let next: SmtpTransaction | null = null;
    let bodyWritten = false;
    let refusal: SmtpReply | null = null;
    const read = async (line: string) => {
      const reply = await this.command(line, !this.pipelining);
      if (!ok(reply) && reply.code !== 354) refusal ??= reply;
      return reply;
    };
    try {
      const mail = await read(`MAIL FROM:<${tx.from}>`);
      const rcpts: SmtpReply[] = [];
      if (ok(mail) || this.pipelining) {
        for (const to of tx.to) rcpts.push(await read(`RCPT TO:<${to}>`));
      }
      const accepted = ok(mail) && rcpts.some(ok);
      const data = accepted || this.pipelining ? await read('DATA') : null;
      this.noteClosing(mail, ...rcpts, ...(data ? [data] : []));
      if (data?.code !== 354) {
        tx.reject(this.envelopeError(mail, rcpts, data));
        await this.reset();
        return null;
      }
      this.sent++;
      // A server that says 354 although every recipient was refused gets an empty message.
      next = accepted && this.pipelining && !this.done() ? this.source.take() : null;
      this.socket.cork();
      // ASCII is its own Latin-1: that write is a plain copy, where UTF-8 would scan every byte.
      if (accepted) this.socket.write(tx.wireReady ? tx.data : dotStuff(tx.data), tx.wireReady ? 'latin1' : 'utf8');
      this.socket.write('.\r\n');
      bodyWritten = accepted;
      if (next) this.writeEnvelope(next);
      this.socket.uncork();
      this.replies.expect();
      const end = await this.replies.next();
      this.noteClosing(end);
      const refused = rcpts.find((r) => !ok(r));
      if (!accepted) tx.reject(this.envelopeError(mail, rcpts, data));
      else if (!ok(end)) tx.reject(SmtpError.fromReply(end, 'Message refused'));
      else if (refused) tx.reject(SmtpError.fromReply(refused, 'Recipient refused'));
      else tx.resolve(end.text);
      if (next && this.closing) {
        this.source.giveBack(next);
        next = null;
      }
      return next;
    } catch (error) {
      // A pipelined envelope never got its body: that message was not sent.
      if (next) this.source.giveBack(next);
      if (bodyWritten) tx.reject(error as Error); // sent, but the answer is lost: fate unknown, retry later
      else if (refusal) tx.reject(SmtpError.fromReply(refusal, 'Refused')); // e.g. 421 to MAIL, then the server hung up
      else if ((tx.returned ?? 0) < MAX_RETURNS) {
        tx.returned = (tx.returned ?? 0) + 1; // the connection died before this message began
        this.source.giveBack(tx);
      } else tx.reject(error as Error);
      throw error;
    }
  }

  /** Without pipelining a command is written here and answered before the next one. */
  private command(line: string, write: boolean): Promise<SmtpReply> {
    if (write) this.writeCommands([line]);
    return this.replies.next();
  }

  private writeEnvelope(tx: SmtpTransaction): void {
    if (!this.pipelining) return; // transact() writes each command as it goes
    this.writeCommands([`MAIL FROM:<${tx.from}>`, ...tx.to.map((to) => `RCPT TO:<${to}>`), 'DATA']);
  }

  private writeCommands(lines: string[]): void {
    this.replies.expect(lines.length);
    this.socket.write(lines.join('\r\n') + '\r\n');
  }

  /** After a refused envelope the server may still hold a half transaction: start clean. */
  private async reset(): Promise<void> {
    this.writeCommands(['RSET']);
    this.noteClosing(await this.replies.next());
  }

  private noteClosing(...replies: SmtpReply[]): void {
    if (replies.some((r) => r.code === 421)) this.closing = true;
  }

  private envelopeError(mail: SmtpReply, rcpts: SmtpReply[], data: SmtpReply | null): SmtpError {
    if (!ok(mail)) return SmtpError.fromReply(mail, 'Sender refused');
    const refused = rcpts.find((r) => !ok(r));
    if (refused) return SmtpError.fromReply(refused, 'Recipient refused');
    return SmtpError.fromReply(data ?? mail, 'DATA refused');
  }

  private async hello(): Promise<void> {
    this.writeCommands([`EHLO ${this.options.name}`]);
    let reply = await this.replies.next();
    if (!ok(reply)) {
      this.writeCommands([`HELO ${this.options.name}`]);
      reply = await this.replies.next();
      if (!ok(reply)) throw new SmtpError(`HELO refused: ${reply.text}`, 'ECONNECTION');
    }
    this.extensions = reply.lines.slice(1).map((line) => line.trim().toUpperCase());
    this.pipelining = this.has('PIPELINING');
  }

  private has(keyword: string): boolean {
    return this.extensions.some((line) => line === keyword || line.startsWith(`${keyword} `) || line.startsWith(`${keyword}=`));
  }

  private async startTls(): Promise<void> {
    this.writeCommands(['STARTTLS']);
    const reply = await this.replies.next();
    if (reply.code >= 400 && reply.code < 500) throw new SmtpError(`STARTTLS refused: ${reply.text}`, 'ECONNECTION');
    if (reply.code !== 220) throw new SmtpError(`STARTTLS refused: ${reply.text}`, 'ETLS', reply.code, reply.text);
    // Anything after the 220 came in plaintext and must not be read as if it came over TLS.
    if (!this.replies.empty) throw new SmtpError('Unexpected data before the TLS handshake', 'ETLS');
    const plain = this.socket;
    plain.removeAllListeners('data');
    this.socket = await this.secure({ socket: plain });
    this.bind(this.socket);
    await this.hello();
  }

  private async login(user: string, pass: string): Promise<void> {
    const methods = this.extensions.find((line) => line.startsWith('AUTH'))?.slice(5).split(/\s+/) ?? [];
    const authError = (reply: SmtpReply) => new SmtpError(`Authentication failed: ${reply.text}`, 'EAUTH', reply.code, reply.text);
    if (methods.includes('LOGIN') && !methods.includes('PLAIN')) {
      for (const step of ['AUTH LOGIN', base64(user), base64(pass)]) {
        this.writeCommands([step]);
        const reply = await this.replies.next();
        if (reply.code === 235) return;
        if (reply.code !== 334) throw authError(reply);
      }
      throw new SmtpError('Authentication did not complete', 'EAUTH');
    }
    this.writeCommands([`AUTH PLAIN ${base64(`\0${user}\0${pass}`)}`]);
    const reply = await this.replies.next();
    if (reply.code !== 235) throw authError(reply);
  }

  private quit(): void {
    if (this.socket.writable) {
      this.replies.expect();
      this.socket.end('QUIT\r\n');
    }
    this.replies.fail(new SmtpError('Connection closed', 'ECONNECTION'));
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private bind(socket: Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.replies.push(chunk));
    // Only a server that owes answers can time out; an idle connection is closed by the pool.
    socket.setTimeout(this.options.socketTimeout, () => {
      if (this.replies.pending > 0) this.destroy(new SmtpError('Connection timed out', 'ETIMEDOUT'));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.replies.fail(connectionError(error)));
    socket.on('close', () => {
      this.closing = true;
      this.replies.fail(new SmtpError('Connection closed by the server', 'ECONNECTION'));
    });
  }

  private connect(): Promise<Socket | TLSSocket> {
    if (this.options.secure) return this.secure({ host: this.options.host, port: this.options.port });
    return this.withTimeout(
      new Promise<Socket>((resolve, reject) => {
        const socket = netConnect({ host: this.options.host, port: this.options.port, noDelay: true });
        const failed = (error: NodeJS.ErrnoException) => reject(connectionError(error));
        socket.once('connect', () => {
          socket.removeListener('error', failed);
          resolve(socket);
        });
        socket.once('error', failed);
        this.socket = socket;
      }),
      this.options.connectionTimeout,
      'Connection timed out',
    );
  }

  /** Implicit TLS (`smtps://`), or the STARTTLS upgrade of `socket`; failures are ETLS. */
  private secure(target: { host: string; port: number } | { socket: Socket }): Promise<TLSSocket> {
    return this.withTimeout(
      new Promise<TLSSocket>((resolve, reject) => {
        const servername = isIP(this.options.host) ? undefined : this.options.host; // SNI takes names only
        const socket = tlsConnect({ servername, ...this.options.tls, ...target });
        socket.setNoDelay(true);
        socket.once('secureConnect', () => {
          socket.removeAllListeners('error');
          resolve(socket);
        });
        socket.once('error', (error: NodeJS.ErrnoException) =>
          reject(CONNECTION_CODES.has(error.code ?? '') && 'host' in target ? connectionError(error) : new SmtpError(`TLS failed: ${error.message}`, 'ETLS')),
        );
        this.socket = socket;
      }),
      this.options.connectionTimeout,
      'TLS negotiation timed out',
    );
  }

  private withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.socket?.destroy();
        reject(new SmtpError(message, 'ETIMEDOUT'));
      }, ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

function connectionError(error: NodeJS.ErrnoException): SmtpError {
  return new SmtpError(error.message, CONNECTION_CODES.has(error.code ?? '') ? error.code! : 'ECONNECTION');
}

const base64 = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/**
 * The message as SMTP DATA carries it: a line starting with `.` gets another one (RFC 5321
 * 4.5.2) and the message ends with CRLF, ready for the terminating `.`. Checked with native
 * searches; the copy is made only when a dot starts a line (never in the bulletin skeleton,
 * whose bodies are base64).
 */
export function dotStuff(data: string | Buffer): string | Buffer {
  if (typeof data === 'string') {
    const stuffed = data.startsWith('.') || data.includes('\n.') ? data.replace(/(^|\n)\./g, '$1..') : data;
    return stuffed.endsWith('\r\n') ? stuffed : `${stuffed}\r\n`;
  }
  if (data[0] === 0x2e || data.includes('\n.')) return Buffer.from(dotStuff(data.toString('latin1')) as string, 'latin1');
  return data.length >= 2 && data[data.length - 2] === 13 && data[data.length - 1] === 10 ? data : Buffer.concat([data, Buffer.from('\r\n')]);
}
