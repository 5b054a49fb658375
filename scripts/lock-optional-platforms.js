// The npm registry reachable here serves only the linux-x64/arm64 builds of msgpackr-extract
// (BullMQ's native msgpack), so `npm install` leaves the other platforms out of
// package-lock.json and `npm ci` then refuses the lock. This adds the platform-restricted
// entries a full registry would have written; npm skips them on other platforms.
// Run after `npm install`: `node scripts/lock-optional-platforms.js`.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const path = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;
const added = [];
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = /-(darwin|linux|win32|freebsd)-(arm64|x64|arm|ia32)$/.exec(name);
    const target = `node_modules/${name}`;
    if (!match || packages[target] || packages[`${key}/${target}`]) continue;
    packages[target] = { version, cpu: [match[2]], license: 'MIT', optional: true, os: [match[1]] };
    added.push(name);
  }
}
const [root, ...rest] = Object.keys(packages);
lock.packages = Object.fromEntries([root, ...rest.sort()].map((k) => [k, packages[k]]));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.join(', ')}` : 'lock file already complete');
