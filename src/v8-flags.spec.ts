import { setFlagsFromString } from 'node:v8';
import { applyV8Flags, applyV8FlagsAfterStartup, v8FlagsAfterStartup, v8FlagsFor } from './v8-flags';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));
const setFlags = setFlagsFromString as jest.MockedFunction<typeof setFlagsFromString>;

describe('V8 flags per role', () => {
  beforeEach(() => setFlags.mockClear());

  it('holds the young generation while any role starts, and caps old-generation growth for the roles that send', () => {
    expect(v8FlagsFor('worker')).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=40']);
    expect(v8FlagsFor('all')).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=40']);
    expect(v8FlagsFor('api')).toEqual(['--semi-space-growth-factor=1']);
  });

  it('lets the young generation grow again once started where HTTP is served, not in a worker', () => {
    expect(v8FlagsAfterStartup('api')).toEqual(['--semi-space-growth-factor=2']);
    expect(v8FlagsAfterStartup('all')).toEqual(['--semi-space-growth-factor=2']);
    expect(v8FlagsAfterStartup('worker')).toEqual([]);
  });

  it('sets the flags in V8, at start-up and after it', () => {
    expect(applyV8Flags('worker', [])).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=40']);
    expect(applyV8FlagsAfterStartup('worker', [])).toEqual([]);
    expect(applyV8Flags('api', ['--enable-source-maps'])).toEqual(['--semi-space-growth-factor=1']);
    expect(applyV8FlagsAfterStartup('api', ['--enable-source-maps'])).toEqual(['--semi-space-growth-factor=2']);
    expect(setFlags.mock.calls).toEqual([
      ['--semi-space-growth-factor=1'],
      ['--heap-growing-percent=40'],
      ['--semi-space-growth-factor=1'],
      ['--semi-space-growth-factor=2'],
    ]);
  });

  it('leaves a --heap-growing-percent from the node command line alone, in either spelling', () => {
    expect(applyV8Flags('worker', ['--heap-growing-percent=60'])).toEqual(['--semi-space-growth-factor=1']);
    expect(applyV8Flags('worker', ['--heap_growing_percent=60'])).toEqual(['--semi-space-growth-factor=1']);
    expect(setFlags.mock.calls).toEqual([['--semi-space-growth-factor=1'], ['--semi-space-growth-factor=1']]);
  });

  it('leaves the young generation alone when the command line sizes it', () => {
    for (const arg of ['--max-semi-space-size=8', '--min_semi_space_size=2', '--semi-space-growth-factor=3']) {
      expect(applyV8Flags('api', [arg])).toEqual([]);
      expect(applyV8FlagsAfterStartup('all', [arg])).toEqual([]);
    }
    expect(setFlags).not.toHaveBeenCalled();
  });

  it('reads the command line and NODE_OPTIONS when given no flags', () => {
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = '--max-semi-space-size=8  --enable-source-maps';
    try {
      expect(applyV8Flags('api')).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
    expect(setFlags).not.toHaveBeenCalled();
  });
});
