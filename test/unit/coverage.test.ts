import { describe, expect, it } from 'vitest';
import { coverage, mayApprove, mergeRanges, newlyCovered, plausibleGain, REQUIRED_COVERAGE } from '../../src/domain/coverage.js';

describe('what a reviewer has seen', () => {
  it('merges overlapping and touching ranges, in order, cut to the clip', () => {
    expect(mergeRanges([[5, 8], [0, 3], [2, 5.5], [20, 30]], 25)).toEqual([[0, 8], [20, 25]]);
    expect(mergeRanges([[0, 4.8], [5, 9]], 10, 0.5)).toEqual([[0, 9]]);
    expect(mergeRanges([[0, 4.8], [5, 9]], 10, 0)).toEqual([[0, 4.8], [5, 9]]);
  });

  it('drops reversed, empty, negative and non-finite ranges', () => {
    expect(mergeRanges([[3, 1], [2, 2], [-5, -1], [Number.NaN, 4], [1, Infinity]], 10)).toEqual([]);
    expect(mergeRanges([[-2, 3]], 10)).toEqual([[0, 3]]);
    expect(mergeRanges([[0, 3]], 0)).toEqual([]);
  });

  it('counts a range watched twice once', () => {
    expect(coverage([[0, 5], [0, 5], [2, 4]], 10)).toBeCloseTo(0.5);
    expect(coverage([[0, 10], [0, 10]], 10)).toBe(1);
  });

  it('measures a page in fractions of its height', () => {
    expect(coverage([[0, 0.3], [0.25, 0.6], [0.6, 0.96]], 1)).toBeCloseTo(0.96);
    expect(coverage([[0, 2]], 1)).toBe(1);
  });

  it('says how much a report adds to what was known', () => {
    expect(newlyCovered([[0, 10]], [[5, 15]], 100)).toBeCloseTo(5);
    expect(newlyCovered([], [[0, 10]], 5)).toBeCloseTo(5);
  });

  it('accepts up to twice the normal speed, with slack for a late report, and no more', () => {
    expect(plausibleGain(20, 10)).toBe(true);
    expect(plausibleGain(40, 10)).toBe(true); // 2 × 10 + 20 s slack
    expect(plausibleGain(41, 10)).toBe(false);
    expect(plausibleGain(600, 0)).toBe(false);
  });

  it('approves at 95 %, or with the acknowledgement, or when the school does not require it', () => {
    expect(REQUIRED_COVERAGE).toBe(0.95);
    expect(mayApprove({ required: true, coverage: 0.949, acknowledgedElsewhere: false })).toEqual({ ok: false });
    expect(mayApprove({ required: true, coverage: 0.95, acknowledgedElsewhere: false })).toEqual({ ok: true, via: 'watched' });
    expect(mayApprove({ required: true, coverage: 0, acknowledgedElsewhere: true })).toEqual({ ok: true, via: 'acknowledged' });
    expect(mayApprove({ required: false, coverage: 0, acknowledgedElsewhere: false })).toEqual({ ok: true, via: 'not_required' });
  });
});
