/**
 * Times the Node side of a CSV import alone (decode, parse, check, HMAC, COPY text) into a sink
 * that drops the text: three rounds over the bench's 1M-row file (`ROWS=` for another size).
 *   NODE_ENV=production npx ts-node --transpile-only bench/experiments/import-scan.ts
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { importCsv } from '../lib/csv';

async function main() {
  const rows = Number(process.env.ROWS ?? 1_000_000);
  const file = await importCsv(rows);
  const { ImportService } = await import('../../src/subscribers/import.service');
  const { SuppressionHasher } = await import('../../src/subscribers/suppression-hasher');
  const hasher = new SuppressionHasher({ tokenSecrets: [{ id: 'a', secret: 'x'.repeat(40) }] } as never);
  const service = new ImportService(null as never, null as never, hasher);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  for (let round = 0; round < 3; round++) {
    bytes = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const scan = await (service as unknown as { scan(s: AsyncIterable<Buffer>, w: Writable): Promise<{ rows: number }> }).scan(createReadStream(file), sink);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(c0);
    console.log(`${scan.rows} rows in ${s.toFixed(2)} s: ${(scan.rows / s).toFixed(0)} rows/s, cpu ${((cpu.user + cpu.system) / scan.rows).toFixed(2)} µs/row, ${bytes} bytes`);
  }
}
void main();
