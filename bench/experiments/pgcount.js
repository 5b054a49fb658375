/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a plain CommonJS preload for `node --require` */
// Experiment only: counts pg queries (by first words) made by this process; printed on exit.
const pg = require('pg');
const counts = new Map();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : config && config.text ? config.text : '?';
  const key = String(text).replace(/\s+/g, ' ').trim().slice(0, 70);
  counts.set(key, (counts.get(key) || 0) + 1);
  return query.call(this, config, ...rest);
};
process.on('exit', () => {
  const sorted = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stderr.write('@@pgcount ' + JSON.stringify(sorted) + '\n');
});
