/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a plain CommonJS preload for `node --require` */
// For test/bench-smoke.e2e-spec.ts: on SIGTERM, writes the size V8 has committed to the young
// generation ("new_space", bytes) to the file named by YOUNG_GENERATION_REPORT and exits at once,
// whether or not the app has installed its own shutdown handler yet.
const { writeFileSync } = require('node:fs');
const v8 = require('node:v8');

process.once('SIGTERM', () => {
  const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  writeFileSync(process.env.YOUNG_GENERATION_REPORT, String(young ? young.space_size : -1));
  process.exit(0);
});
