import Fastify from 'fastify';
import pino from 'pino';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { loggedUrl, logRequests } from './request-log';

function collect(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
}

describe('request log', () => {
  it('drops tokens and query strings from public links', () => {
    expect(loggedUrl('/unsubscribe/v1.abc.def?x=1')).toBe('/unsubscribe/…');
    expect(loggedUrl('/confirm/tok')).toBe('/confirm/…');
    expect(loggedUrl('/v1/sites/a/subscribers?page=2')).toBe('/v1/sites/a/subscribers');
  });

  it('writes one line per answered request, none for /health, errors from 500 up', async () => {
    const lines: Record<string, unknown>[] = [];
    const fastify = Fastify({ genReqId: () => 'req-1' });
    logRequests(fastify, pino({ level: 'info' }, collect(lines)));
    fastify.post('/unsubscribe/:token', async () => 'ok');
    fastify.get('/health', async () => 'ok');
    fastify.get('/boom', async () => {
      throw new Error('boom');
    });
    await fastify.inject({ method: 'POST', url: '/unsubscribe/secret-token?via=mail', headers: { authorization: 'Bearer k' } });
    await fastify.inject({ method: 'GET', url: '/health' });
    await fastify.inject({ method: 'GET', url: '/boom' });
    await fastify.close();

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'req-1', method: 'POST', url: '/unsubscribe/…' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toMatch(/secret-token|Bearer/);
    expect(lines[1]).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 } });
  });

  it('writes a line for a request the client gave up on', async () => {
    const lines: Record<string, unknown>[] = [];
    const fastify = Fastify({ genReqId: () => 'req-2' });
    logRequests(fastify, pino({ level: 'info' }, collect(lines)));
    let arrived!: () => void;
    const handlerReached = new Promise<void>((resolve) => (arrived = resolve));
    fastify.get('/slow', async () => {
      arrived();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return 'late';
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as AddressInfo;
    const client = httpRequest({ host: '127.0.0.1', port, path: '/slow?token=x' });
    client.on('error', () => undefined);
    client.end();
    await handlerReached;
    client.destroy();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await fastify.close();

    expect(lines[0]).toMatchObject({ level: 30, msg: 'request aborted', req: { id: 'req-2', method: 'GET', url: '/slow' } });
  });
});
