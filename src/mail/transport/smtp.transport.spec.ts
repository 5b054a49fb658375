import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { SmtpSink } from '../../../test/support/smtp-sink';
import { MailSendError } from './mail-transport';
import { noDelaySocket, SmtpTransport } from './smtp.transport';

const call = (options: Parameters<typeof noDelaySocket>[0]) =>
  new Promise<{ error: Error | null; result: unknown }>((resolve) => noDelaySocket(options, (error, result) => resolve({ error, result })));

describe('noDelaySocket', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands nodemailer a connected socket for plain SMTP', async () => {
    const { error, result } = await call({ host: '127.0.0.1', port });
    expect(error).toBeNull();
    const socket = (result as { connection: Socket }).connection;
    expect(socket.remotePort).toBe(port);
    socket.destroy();
  });

  it('hands a refused connection back to nodemailer, and leaves implicit TLS to nodemailer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await call({ host: '127.0.0.1', port: unused });
    expect(refused).toEqual({ error: null, result: false });
    expect(await call({ host: '127.0.0.1', port, secure: true })).toEqual({ error: null, result: false });
  });
});

describe('SmtpTransport through an SMTP outage', () => {
  it('fails every send while the server is down and sends again once it is back', async () => {
    const sink = await new SmtpSink().start();
    const port = sink.port;
    const transport = new SmtpTransport(sink.url, 2);
    const mail = (n: number) => ({
      from: 'news@example.test',
      to: 'reader@example.test',
      subject: `n${n}`,
      html: '<p>x</p>',
      text: 'x',
      messageId: `<outage-${n}@example.test>`,
      headers: {},
    });
    try {
      await sink.stop();
      // More failures than pool connections: the pool used to hang on the third one.
      for (let n = 2; n <= 5; n++) {
        await expect(transport.send(mail(n))).rejects.toBeInstanceOf(MailSendError);
      }
      await sink.start(port);
      await transport.send(mail(6));
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(['n6']);
    } finally {
      await transport.close();
      await sink.stop();
    }
  }, 60_000);
});
