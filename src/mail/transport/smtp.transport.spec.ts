import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { noDelaySocket } from './smtp.transport';

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

  it('reports a refused connection as a connection error, and leaves implicit TLS to nodemailer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await call({ host: '127.0.0.1', port: unused });
    expect((refused.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(await call({ host: '127.0.0.1', port, secure: true })).toEqual({ error: null, result: false });
  });
});
