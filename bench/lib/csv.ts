import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A CSV of `rows` new subscribers (email,name,locale,city), written once per size and reused:
 * both the COPY baseline and Vestnik's import read the same bytes.
 */
export async function importCsv(rows: number): Promise<string> {
  const file = join(tmpdir(), `vestnik-bench-import-${rows}.csv`);
  if (existsSync(file)) return file;
  const out = createWriteStream(`${file}.part`);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write('email,name,locale,city\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    // Short rows: 1M of them must stay under the 50 MiB CSV body limit.
    chunk += `U${i}@Imp.Test,Иван,ru,Тверь\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const { renameSync } = await import('node:fs');
  renameSync(`${file}.part`, file);
  return file;
}
