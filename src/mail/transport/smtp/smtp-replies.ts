/** One SMTP reply: its code, its lines without the code, and all of it on one line for errors. */
export interface SmtpReply {
  code: number;
  /** `250-a` / `250 b` → `['a', 'b']` (EHLO keywords are read from these). */
  lines: string[];
  /** `250 a b`. */
  text: string;
}

/** An error shaped the way MailSendError.from() classifies it (nodemailer's conventions). */
export class SmtpError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly responseCode?: number,
    readonly response?: string,
  ) {
    super(message);
    this.name = 'SmtpError';
  }

  static fromReply(reply: SmtpReply, what: string): SmtpError {
    return new SmtpError(`${what}: ${reply.text}`, 'EENVELOPE', reply.code, reply.text);
  }
}

/** Far beyond any real reply (RFC 5321 caps a reply line at 512 octets). */
const MAX_LINE = 64 * 1024;
const MAX_LINES = 1000;

interface Waiter {
  resolve: (reply: SmtpReply) => void;
  reject: (error: Error) => void;
}

/**
 * Splits what the server writes into replies and hands them out in order. With PIPELINING
 * the client has several commands outstanding, and the server answers them in the order
 * they were sent (RFC 2920), so a FIFO of waiters is all the matching there is.
 */
export class SmtpReplies {
  private buffer = '';
  private lines: string[] = [];
  private readonly ready: SmtpReply[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | null = null;
  /** Replies owed for commands written so far. */
  private owed = 0;
  /** Called with a reply to no command (a server closing an idle connection says 421). */
  onUnsolicited: (reply: SmtpReply) => void = () => undefined;

  /** Replies still owed: 0 while the connection is idle. */
  get pending(): number {
    return this.owed;
  }

  /** Call for every command written (the greeting counts as one). */
  expect(count = 1): void {
    this.owed += count;
  }

  push(chunk: string): void {
    const data = this.buffer === '' ? chunk : this.buffer + chunk;
    let start = 0;
    let at: number;
    while ((at = data.indexOf('\n', start)) >= 0) {
      const line = data.slice(start, at > start && data.charCodeAt(at - 1) === 13 ? at - 1 : at);
      start = at + 1;
      if (line === '') continue; // a stray blank line is no reply
      this.lines.push(line);
      // `250-…` continues a multi-line reply; `250 …` (or a bare `250`) ends it.
      if (line.charCodeAt(3) !== 45 /* - */) this.complete();
    }
    this.buffer = start === 0 ? data : data.slice(start);
    if (this.buffer.length > MAX_LINE || this.lines.length > MAX_LINES) this.fail(new SmtpError('The server sent an overlong reply', 'EPROTOCOL'));
  }

  /** Nothing received that is not yet handed out (checked before a STARTTLS upgrade). */
  get empty(): boolean {
    return this.buffer === '' && this.lines.length === 0 && this.ready.length === 0;
  }

  /** The next reply, in the order commands were written. */
  next(): Promise<SmtpReply> {
    const reply = this.ready.shift();
    if (reply) return Promise.resolve(reply);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Fails every outstanding and future wait: the connection is gone. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  private complete(): void {
    const first = this.lines[0];
    const code = Number(first.slice(0, 3));
    const lines = this.lines.map((line) => line.slice(4));
    // A one-line `250 text` (every answer but EHLO's) is its own text.
    const text = lines.length === 1 && (first.length <= 3 || first[3] === ' ') ? first.trim() : `${first.slice(0, 3)} ${lines.join(' ')}`.trim();
    this.lines = [];
    const reply: SmtpReply = { code: Number.isInteger(code) && code >= 200 && code < 600 ? code : 0, lines, text };
    if (this.owed === 0) return this.onUnsolicited(reply);
    this.owed--;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(reply);
    else this.ready.push(reply);
  }
}
