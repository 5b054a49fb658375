import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingWindowThrottlerStorage } from './throttler-storage';

describe('SlidingWindowThrottlerStorage', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['blocking (blockDuration = ttl, as the guard passes by default)', 60_000],
    ['without blocking', 0],
  ])('answers exactly as @nestjs/throttler’s own storage, %s', async (_name, blockDuration) => {
    const theirs = new ThrottlerStorageService();
    const ours = new SlidingWindowThrottlerStorage();
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    try {
      for (let i = 0; i < 3000; i++) {
        now += Math.floor(random() * (random() < 0.05 ? 40_000 : 400));
        const key = random() < 0.8 ? 'a' : 'b';
        const args = [key, 60_000, 50, blockDuration, 'public'] as const;
        expect(await ours.increment(...args)).toEqual(await theirs.increment(...args));
      }
    } finally {
      theirs.onApplicationShutdown();
    }
  });

  it('forgets idle keys', async () => {
    const ours = new SlidingWindowThrottlerStorage();
    await ours.increment('a', 1000, 5, 1000, 'public');
    now += 5000;
    ours.evictIdle();
    expect(await ours.increment('a', 1000, 5, 1000, 'public')).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});
