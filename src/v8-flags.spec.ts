import { setFlagsFromString } from 'node:v8';
import { applyV8Flags, v8FlagsFor } from './v8-flags';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));
const setFlags = setFlagsFromString as jest.MockedFunction<typeof setFlagsFromString>;

describe('V8 flags per role', () => {
  beforeEach(() => setFlags.mockClear());

  it('caps old-generation growth for the roles that send, not for the api', () => {
    expect(v8FlagsFor('worker')).toEqual(['--heap-growing-percent=40']);
    expect(v8FlagsFor('all')).toEqual(['--heap-growing-percent=40']);
    expect(v8FlagsFor('api')).toEqual([]);
  });

  it('sets the flag in V8 for a worker and for one all process', () => {
    expect(applyV8Flags('worker', [])).toEqual(['--heap-growing-percent=40']);
    expect(applyV8Flags('all', ['--enable-source-maps'])).toEqual(['--heap-growing-percent=40']);
    expect(setFlags.mock.calls).toEqual([['--heap-growing-percent=40'], ['--heap-growing-percent=40']]);
  });

  it('leaves a --heap-growing-percent from the node command line alone, in either spelling', () => {
    expect(applyV8Flags('worker', ['--heap-growing-percent=60'])).toEqual([]);
    expect(applyV8Flags('worker', ['--heap_growing_percent=60'])).toEqual([]);
    expect(setFlags).not.toHaveBeenCalled();
  });

  it('sets nothing for the api', () => {
    expect(applyV8Flags('api', [])).toEqual([]);
    expect(setFlags).not.toHaveBeenCalled();
  });
});
