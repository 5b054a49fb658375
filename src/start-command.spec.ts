import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Three places start Vestnik: `npm start`, the image's CMD (docker-compose runs it unchanged)
 * and the benchmark, which takes its node flags from package.json. Node flags added to one must
 * reach the others, or the bench measures something else than production. (The V8 flags per role
 * are set by the process itself: src/v8-flags.ts.)
 */
describe('start command', () => {
  const root = join(__dirname, '..');
  const read = (file: string) => readFileSync(join(root, file), 'utf8');
  const scripts: Record<string, string> = JSON.parse(read('package.json')).scripts;

  it('npm start and start:prod run the same node command line', () => {
    expect(scripts.start).toMatch(/^node( --\S+)* dist\/main\.js$/);
    expect(scripts['start:prod']).toBe(scripts.start);
  });

  it('the Dockerfile CMD is that command line', () => {
    const cmd = /^CMD (\[.*\])\s*$/m.exec(read('Dockerfile'));
    expect(cmd).not.toBeNull();
    expect((JSON.parse(cmd![1]) as string[]).join(' ')).toBe(scripts.start);
  });

  it('docker-compose runs the image CMD (no command override for Vestnik)', () => {
    expect(read('docker-compose.yml')).not.toMatch(/command:.*main\.js/);
  });
});
