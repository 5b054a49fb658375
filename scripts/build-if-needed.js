// `npm start` builds first when dist/ is missing or older than any source file.
const { execSync } = require('node:child_process');
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const time = entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
    if (time > latest) latest = time;
  }
  return latest;
}

const main = join(__dirname, '..', 'dist', 'main.js');
if (!existsSync(main) || statSync(main).mtimeMs < newest(join(__dirname, '..', 'src'))) {
  execSync('npx nest build', { stdio: 'inherit', cwd: join(__dirname, '..') });
}
