import { setFlagsFromString } from 'node:v8';
import type { Role } from './config/config';

const HEAP_GROWING = '--heap-growing-percent';
const YOUNG_GROWTH = '--semi-space-growth-factor';
/** Flags that size the young generation from the command line; then the role leaves it alone. */
const YOUNG_SIZE = ['--semi-space-growth-factor', '--max-semi-space-size', '--min-semi-space-size'];

const given = (execArgv: readonly string[], flag: string) =>
  // V8 accepts `_` for `-` in flag names (`--heap_growing_percent=60`).
  execArgv.some((arg) => arg.replace(/_/g, '-').startsWith(flag));

/**
 * V8 flags per role, set at start-up (README "Memory").
 * - Every role stops the young generation from growing while it starts: V8 doubles it (up to two
 *   16 MB halves) whenever a scavenge finds most of it alive, which loading modules always does,
 *   and the 30 MB it committed then stayed resident, empty, in an idle process. When these flags
 *   are set (after the config has loaded) it is 4 MB a half.
 * - The roles that send cap old-generation growth at 1.4x the live size: chunk-lived objects are
 *   promoted while a bulletin goes out, and the default let them pile up to ~120 MB. The api keeps
 *   V8's default: its garbage is request-scoped, and the cap made it collect the old generation
 *   about once a second under load (registration CPU +10%).
 */
export function v8FlagsFor(role: Role): string[] {
  return role === 'api' ? [`${YOUNG_GROWTH}=1`] : [`${YOUNG_GROWTH}=1`, `${HEAP_GROWING}=40`];
}

/**
 * Once started, a process that serves HTTP lets its young generation grow again (V8's default
 * factor): under registration load, 2 MB halves cost 23% more CPU per request (requests in flight
 * were promoted) and 4 MB could not be told from noise. A worker keeps 4 MB halves: sending ran as
 * fast with them as with 16 MB.
 */
export function v8FlagsAfterStartup(role: Role): string[] {
  return role === 'worker' ? [] : [`${YOUNG_GROWTH}=2`];
}

/** The node command line's flags and NODE_OPTIONS' (which takes `--max-semi-space-size`). */
const commandLine = (): string[] => [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];

/** Applied before the app loads; a flag of the same kind on the node command line wins. */
export function applyV8Flags(role: Role, execArgv: readonly string[] = commandLine()): string[] {
  return apply(v8FlagsFor(role), execArgv);
}

export function applyV8FlagsAfterStartup(role: Role, execArgv: readonly string[] = commandLine()): string[] {
  return apply(v8FlagsAfterStartup(role), execArgv);
}

function apply(flags: string[], execArgv: readonly string[]): string[] {
  const wanted = flags.filter((flag) => {
    const name = flag.split('=')[0];
    return name === YOUNG_GROWTH ? !YOUNG_SIZE.some((young) => given(execArgv, young)) : !given(execArgv, name);
  });
  for (const flag of wanted) setFlagsFromString(flag);
  return wanted;
}
