import { uuidV7 } from './uuid-v7';

describe('uuidV7', () => {
  it('has the UUIDv7 layout: version 7, RFC 9562 variant', () => {
    for (let i = 0; i < 100; i++) {
      expect(uuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('starts with the time in milliseconds, so ids sort by creation time', () => {
    const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
    const id = uuidV7(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(uuidV7(at - 1) < uuidV7(at)).toBe(true);
    expect(uuidV7(at)).not.toBe(uuidV7(at));
  });
});
