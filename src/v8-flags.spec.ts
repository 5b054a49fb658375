import { applyV8Flags, v8FlagsFor } from './v8-flags';

describe('V8 flags per role', () => {
  it('caps old-generation growth for the roles that send, not for the api', () => {
    expect(v8FlagsFor('worker')).toEqual(['--heap-growing-percent=40']);
    expect(v8FlagsFor('all')).toEqual(['--heap-growing-percent=40']);
    expect(v8FlagsFor('api')).toEqual([]);
  });

  it('leaves a --heap-growing-percent from the node command line alone', () => {
    expect(applyV8Flags('worker', ['--heap-growing-percent=60'])).toEqual([]);
  });

  it('applies nothing for the api', () => {
    expect(applyV8Flags('api', [])).toEqual([]);
  });
});
