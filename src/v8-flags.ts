import { setFlagsFromString } from 'node:v8';
import type { Role } from './config/config';

const HEAP_GROWING = '--heap-growing-percent';

/**
 * V8 flags per role (README "Memory"). The roles that send cap old-generation growth at 1.4x the
 * live size: chunk-lived objects are promoted while a bulletin goes out, and the default let them
 * pile up to ~120 MB. The api keeps V8's default: its garbage is request-scoped, and the cap made
 * it collect the old generation about once a second under load (registration CPU +10%).
 */
export function v8FlagsFor(role: Role): string[] {
  return role === 'api' ? [] : [`${HEAP_GROWING}=40`];
}

/**
 * Applied at start-up, before the app allocates much; V8 reads this flag each time it sets the
 * next collection limit. A `--heap-growing-percent` given on the node command line wins.
 */
export function applyV8Flags(role: Role, execArgv: readonly string[] = process.execArgv): string[] {
  // V8 accepts `_` for `-` in flag names (`--heap_growing_percent=60`).
  if (execArgv.some((arg) => arg.replace(/_/g, '-').startsWith(HEAP_GROWING))) return [];
  const flags = v8FlagsFor(role);
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
