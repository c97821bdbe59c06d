// The duration shapes the OpenAPI document states (machines/lifecycle/duration.ts) refuse and
// accept exactly what the API does: a generator that reads the document sends only durations
// Tenure takes, and a value the document calls invalid is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_SHAPE, FIXED_DURATION_SHAPE, parseDuration } from '../../machines/lifecycle/duration.js';

const part = (unit: string) => fc.option(fc.oneof(fc.constant('0'), fc.nat({ max: 999 }).map(String)).map((n) => `${n}${unit}`), { nil: '' });
/** Near-durations: each part present or not, a time part with or without its fields, and some noise. */
const nearDuration = fc
  .tuple(part('Y'), part('M'), part('W'), part('D'), fc.boolean(), part('H'), part('M'), part('S'), fc.constantFrom('', '', '', 'x', ' ', '.5', 'T'))
  .map(([y, mo, w, d, time, h, mi, s, noise]) => `P${y}${mo}${w}${d}${time ? `T${h}${mi}${s}` : ''}${noise}`);

describe('duration shapes', () => {
  it('the document’s fixed-length shape accepts exactly the durations without years or months', () => {
    fc.assert(
      fc.property(fc.oneof(nearDuration, fc.string()), (text) => {
        const duration = parseDuration(text);
        expect(FIXED_DURATION_SHAPE.test(text)).toBe(duration !== undefined && duration.years === 0 && duration.months === 0);
      }),
      { numRuns: 5_000 },
    );
  });

  it('refuses the empty duration and a dangling time designator, keeps the ones policies use', () => {
    for (const text of ['P', 'PT', 'P1DT', 'P1Y', 'P1M', '14D', 'P1.5D']) expect(FIXED_DURATION_SHAPE.test(text), text).toBe(false);
    for (const text of ['P14D', 'PT10S', 'P2W', 'P1DT12H', 'PT0.5S', 'P0Y7D']) expect(FIXED_DURATION_SHAPE.test(text), text).toBe(true);
    for (const text of ['P1Y', 'P1M', 'P1Y2M3DT4H']) expect(DURATION_SHAPE.test(text), text).toBe(true);
  });
});
