import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../common/app-exception';

const TYPES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
};

/** The console's two static files, read once; a fixed list, so no path from the URL reaches the disk. */
@Injectable()
export class ConsoleAssets {
  private readonly files = new Map(
    Object.keys(TYPES).map((name) => [name, readFileSync(join(__dirname, 'assets', name), 'utf8')]),
  );

  serve(name: string, reply: FastifyReply): string {
    const body = this.files.get(name);
    if (body === undefined) throw notFound('not_found', 'No such file');
    void reply.type(TYPES[name]).header('cache-control', 'public, max-age=300');
    return body;
  }
}
