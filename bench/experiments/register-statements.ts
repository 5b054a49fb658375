/**
 * Experiment: one registration at a time, in process, through RegistrationService: the site key
 * looked up first and the registration statement after (what every other route's guard does),
 * against the key checked inside the registration statement (`AuthInStatement`). Prints wall
 * time and this process's CPU per registration, alternating, so both see the same machine.
 *   npx ts-node --transpile-only bench/experiments/register-statements.ts [registrations=4000] [rounds=2]
 */
import { ApiKeysService } from '../../src/sites/api-keys.service';
import { RegisterSubscriberDto } from '../../src/subscribers/dto/subscriber.dto';
import { RegistrationService } from '../../src/subscribers/registration.service';
import { createSite, createTestApp } from '../../test/support/test-app';
import { runMain } from '../lib/run-main';

const registrations = Number(process.argv[2] ?? 4000);
const rounds = Number(process.argv[3] ?? 2);

async function main(): Promise<void> {
  process.env.NODE_ENV = 'production';
  const t = await createTestApp({ env: { VESTNIK_ROLE: 'api', LOG_LEVEL: 'warn' } });
  try {
    const site = await createSite(t, { confirmation: 'none' });
    const registration = t.app.get(RegistrationService);
    const keys = t.app.get(ApiKeysService);
    const key = site.keys.backend;
    const parsed = keys.parse(key) as { prefix: string; hash: string };
    let n = 0;
    const dto = (prefix: string) => ({ email: `${prefix}${n++}@bench.vestnik.test` }) as RegisterSubscriberDto;
    const variants: [string, () => Promise<unknown>][] = [
      ['key, then registration', async () => {
        const found = (await keys.authenticateFor(key, site.slug))!;
        return registration.register({ site: found.site!, principal: found.principal }, dto('a'));
      }],
      ['key inside the registration', () => registration.register({ key: { ...parsed, slug: site.slug } }, dto('b'))],
    ];
    for (let round = 0; round < rounds; round++) {
      for (const [label, run] of variants) {
        for (let i = 0; i < 500; i++) await run(); // warm-up: JIT and prepared statements
        const cpu0 = process.cpuUsage();
        const wall0 = process.hrtime.bigint();
        for (let i = 0; i < registrations; i++) await run();
        const cpu = process.cpuUsage(cpu0);
        const wall = Number(process.hrtime.bigint() - wall0) / 1e3;
        process.stdout.write(`${label.padEnd(30)} ${(wall / registrations).toFixed(0).padStart(5)} µs wall, ${((cpu.user + cpu.system) / registrations).toFixed(0).padStart(4)} µs CPU\n`);
      }
    }
  } finally {
    await t.close();
  }
}

runMain(main);
