import { simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { SmtpSink } from '../../../test/support/smtp-sink';
import { MailSendError } from './mail-transport';
import { SmtpTransport } from './smtp.transport';
import { dotStuff } from './smtp/smtp-connection';

const mail = (n: number, html = `<p>message ${n}</p>`) => ({
  from: { name: 'Вестник', address: 'news@example.test' },
  to: `reader${n}@example.test`,
  subject: `n${n}`,
  html,
  text: `message ${n}`,
  messageId: `<m-${n}@example.test>`,
  headers: {},
});

interface Received {
  to: string[];
  raw: string;
}

/** An smtp-server with the given options that keeps what it accepts and counts connections. */
async function server(options: Partial<SMTPServerOptions> = {}) {
  const received: Received[] = [];
  let connections = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: options.secure ? ['STARTTLS'] : [],
    logger: false,
    onConnect: (_session, callback) => {
      connections++;
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    port,
    received,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

describe(SmtpTransport.name, () => {
  it('sends many messages at once over a few kept-open pipelined connections', async () => {
    const sink = await server();
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 3);
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, n) => transport.send(mail(n))));
      expect(results.every((r) => /^250 /.test(r.response))).toBe(true);
      expect(results[7].messageId).toBe('<m-7@example.test>');
      expect(sink.received).toHaveLength(60);
      expect(new Set(sink.received.map((r) => r.to[0])).size).toBe(60);
      expect(sink.connections()).toBeLessThanOrEqual(3);
      const parsed = await simpleParser(sink.received.find((r) => r.to[0] === 'reader5@example.test')!.raw);
      expect(parsed.subject).toBe('n5');
      expect(parsed.text?.trim()).toBe('message 5');
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('works with a server that offers no PIPELINING, and keeps lines that start with a dot', async () => {
    const sink = await server({ hidePIPELINING: true });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 2);
    try {
      const html = '<p>one</p>\n.\n..two\n.three';
      await Promise.all([transport.send(mail(1, html)), transport.send(mail(2, html)), transport.send(mail(3))]);
      expect(sink.received).toHaveLength(3);
      const parsed = await simpleParser(sink.received.find((r) => r.to[0] === 'reader1@example.test')!.raw);
      expect(String(parsed.html)).toContain('<p>one</p>\n.\n..two\n.three');
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('carries a wire-ready message byte for byte, and dot-stuffs one that is not', async () => {
    const sink = await server();
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 1);
    try {
      const raw = 'From: <news@example.test>\r\nTo: <a@example.test>\r\nSubject: s\r\n\r\nline one\r\nline two\r\n';
      const envelope = { from: 'news@example.test', to: ['a@example.test'] };
      await transport.send({ raw, envelope, messageId: '<w1@example.test>', wireReady: true });
      const dotted = `${raw}.dot\r\n`;
      await transport.send({ raw: dotted, envelope, messageId: '<w2@example.test>' });
      expect(sink.received.map((r) => r.raw)).toEqual([raw, dotted]);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('reports a refused recipient as permanent and goes on with the next message on the same connection', async () => {
    const sink = await server({
      onRcptTo: (address, _session, callback) =>
        address.address === 'reader2@example.test'
          ? callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }))
          : callback(),
    });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 1);
    try {
      const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => transport.send(mail(n))));
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const error = (outcomes[1] as PromiseRejectedResult).reason as MailSendError;
      expect(error).toBeInstanceOf(MailSendError);
      expect(error).toMatchObject({ kind: 'permanent', responseCode: 550 });
      expect(error.response).toContain('5.1.1');
      expect(sink.received.map((r) => r.to[0])).toEqual(['reader1@example.test', 'reader3@example.test', 'reader4@example.test']);
      expect(sink.connections()).toBe(1);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('lives with a server that allows fewer connections than the pool wants, without a reconnect storm', async () => {
    const sink = await server({ maxClients: 1 });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 3);
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, n) => transport.send(mail(n))));
      expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(40);
      expect(sink.received).toHaveLength(40);
      expect(sink.connections()).toBeLessThan(10);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('reports a 421 to a pipelined MAIL FROM as 421 (slow down), not as a lost connection', async () => {
    let refuse = true;
    const sink = await server({
      onMailFrom: (_address, _session, callback) =>
        refuse ? callback(Object.assign(new Error('4.7.0 Too many messages, try later'), { responseCode: 421 })) : callback(),
    });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true`, 1);
    try {
      await expect(transport.send(mail(1))).rejects.toMatchObject({ kind: 'temporary', responseCode: 421 });
      refuse = false;
      await transport.send(mail(2));
      expect(sink.received.map((r) => r.to[0])).toEqual(['reader2@example.test']);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('classifies 4xx and 5xx answers to the message, and 535 at login', async () => {
    const sink = await new SmtpSink().start();
    const transport = new SmtpTransport(sink.url.replace('smtp://', 'smtp://user:secret@'), 2);
    try {
      sink.behaviour = () => ({ accept: false, code: 452, message: '4.3.1 Try later' });
      await expect(transport.send(mail(1))).rejects.toMatchObject({ kind: 'temporary', responseCode: 452 });
      sink.behaviour = () => ({ accept: false, code: 554, message: '5.7.1 Rejected' });
      await expect(transport.send(mail(2))).rejects.toMatchObject({ kind: 'permanent', responseCode: 554 });
      sink.behaviour = () => ({ accept: true });
      await transport.send(mail(3));
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['n3']);
    } finally {
      await transport.close();
    }
    const refusing = new SmtpTransport(sink.url.replace('smtp://', 'smtp://user:wrong@'), 2);
    sink.authFails = true;
    try {
      await expect(refusing.send(mail(4))).rejects.toMatchObject({ kind: 'auth', responseCode: 535 });
    } finally {
      await refusing.close();
      await sink.stop();
    }
  });

  it('logs in with AUTH LOGIN when the server offers only that', async () => {
    const logins: string[] = [];
    const sink = await server({
      authMethods: ['LOGIN'],
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        logins.push(`${auth.method} ${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
    });
    const transport = new SmtpTransport(`smtp://ann:p%40ss@127.0.0.1:${sink.port}?ignoreTLS=true`, 1);
    try {
      await transport.send(mail(1));
      expect(logins).toEqual(['LOGIN ann:p@ss']);
      expect(sink.received).toHaveLength(1);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('upgrades with STARTTLS, speaks implicit TLS, and treats an untrusted certificate as a TLS failure', async () => {
    // smtp-server's built-in self-signed certificate.
    const starttls = await server({ onSecure: (_socket, _session, callback) => callback() });
    const secured: boolean[] = [];
    const implicit = await server({ secure: true, onConnect: (session, callback) => (secured.push(session.secure), callback()) });
    const upgraded = new SmtpTransport(`smtp://127.0.0.1:${starttls.port}?tls.rejectUnauthorized=false&requireTLS=true`, 1);
    const tls = new SmtpTransport(`smtps://127.0.0.1:${implicit.port}?tls.rejectUnauthorized=false`, 1);
    const untrusted = new SmtpTransport(`smtp://127.0.0.1:${starttls.port}`, 1);
    try {
      await upgraded.send(mail(1));
      await tls.send(mail(2));
      expect(starttls.received).toHaveLength(1);
      expect(implicit.received).toHaveLength(1);
      expect(secured).toEqual([true]);
      await expect(untrusted.send(mail(3))).rejects.toMatchObject({ kind: 'auth' });
      expect(starttls.received).toHaveLength(1);
    } finally {
      await Promise.all([upgraded.close(), tls.close(), untrusted.close()]);
      await starttls.close();
      await implicit.close();
    }
  });

  it('opens a new connection after maxMessages and after the server dropped an idle one', async () => {
    const sink = await server({ socketTimeout: 300 });
    const transport = new SmtpTransport(`smtp://127.0.0.1:${sink.port}?ignoreTLS=true&maxMessages=3`, 1);
    try {
      for (let n = 0; n < 7; n++) await transport.send(mail(n));
      expect(sink.connections()).toBe(3);
      await sleep(700); // the server says 421 and closes the idle connection
      await transport.send(mail(8));
      expect(sink.received).toHaveLength(8);
      expect(sink.connections()).toBe(4);
    } finally {
      await transport.close();
      await sink.close();
    }
  });

  it('fails every waiting send while the server is down and sends again once it is back', async () => {
    const sink = await new SmtpSink().start();
    const port = sink.port;
    const transport = new SmtpTransport(sink.url, 2);
    try {
      await sink.stop();
      for (let n = 2; n <= 5; n++) {
        await expect(transport.send(mail(n))).rejects.toMatchObject({ kind: 'temporary', responseCode: null });
      }
      const waiting = await Promise.allSettled([6, 7, 8, 9, 10].map((n) => transport.send(mail(n))));
      expect(waiting.every((o) => o.status === 'rejected')).toBe(true);
      await sink.start(port);
      await transport.send(mail(11));
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['n11']);
    } finally {
      await transport.close();
      await sink.stop();
    }
  }, 60_000);
});

describe('dotStuff', () => {
  it('doubles a dot that starts a line and ends the data with CRLF', () => {
    expect(dotStuff('.a\r\nb\r\n.c')).toBe('..a\r\nb\r\n..c\r\n');
    expect(dotStuff('plain\r\n')).toBe('plain\r\n');
    const bytes = Buffer.from('é\r\n.x', 'utf8');
    expect((dotStuff(bytes) as Buffer).toString('utf8')).toBe('é\r\n..x\r\n');
    const clean = Buffer.from('abc\r\n');
    expect(dotStuff(clean)).toBe(clean);
  });
});
