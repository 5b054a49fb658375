import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The Python that Debian's `dkimverify` runs with (its shebang), so `import dkim` finds python3-dkim. */
function dkimPython(): string {
  const which = spawnSync('sh', ['-c', 'command -v dkimverify'], { encoding: 'utf8' });
  const path = which.stdout.trim();
  if (!path) throw new Error('dkimverify is not installed (Debian package python3-dkim; .ci/run installs it)');
  const shebang = readFileSync(path, 'utf8').split('\n')[0];
  return shebang.replace(/^#!\s*/, '').split(/\s+/)[0];
}

// dkimpy's own verifier, with the DNS lookup answered by the record under test.
const SCRIPT = `
import sys, dkim
record = sys.argv[1].encode()
asked = []
def dnsfunc(name, timeout=5):
    asked.append(name.decode() if isinstance(name, bytes) else name)
    return record
ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=dnsfunc)
print(("ok " if ok else "fail ") + ",".join(asked))
`;

/** Verifies a message with python3-dkim; returns whether it passed and which DNS name was asked. */
export function dkimVerify(raw: Buffer | string, dnsRecord: string): { ok: boolean; dnsName: string; output: string } {
  const result = spawnSync(dkimPython(), ['-c', SCRIPT, dnsRecord], { input: raw, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`.trim();
  const [verdict, dnsName = ''] = result.stdout.trim().split(' ');
  return { ok: verdict === 'ok', dnsName, output };
}
