import { describe, expect, it } from 'vitest';
import { VettedError } from '../../src/domain/errors.js';
import { allowedFrom, assertTransition, canTransition, clampProgress, ITEM_STATUSES, type ItemStatus } from '../../src/domain/item-state.js';
import { decideKind } from '../../src/domain/submission.js';
import { boardMayShow, boardMayShowInClass } from '../../src/domain/visibility.js';

// The whole transition table, spelled out: a change to the state machine must change this test.
const LEGAL: Array<[ItemStatus, ItemStatus]> = [
  ['queued', 'fetching'],
  ['queued', 'processing'],
  ['queued', 'failed'],
  ['fetching', 'processing'],
  ['fetching', 'queued'],
  ['fetching', 'failed'],
  ['fetching', 'awaiting_review'],
  ['processing', 'awaiting_review'],
  ['processing', 'failed'],
  ['awaiting_review', 'approved'],
  ['awaiting_review', 'rejected'],
  ['awaiting_review', 'queued'],
  ['awaiting_review', 'quarantined'],
  ['approved', 'rejected'],
  ['approved', 'expired'],
  ['approved', 'quarantined'],
  ['approved', 'queued'],
  ['failed', 'queued'],
  ['quarantined', 'approved'],
  ['quarantined', 'removed'],
];

describe('item state machine', () => {
  for (const from of ITEM_STATUSES) {
    for (const to of ITEM_STATUSES) {
      const legal = LEGAL.some(([f, t]) => f === from && t === to);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(legal);
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else {
          const err = (() => {
            try {
              assertTransition(from, to);
            } catch (e) {
              return e;
            }
          })() as VettedError;
          expect(err).toBeInstanceOf(VettedError);
          expect(err.httpStatus).toBe(409);
          expect(err.code).toBe('illegal_transition');
          expect(err.message).toMatch(/cannot be/);
        }
      });
    }
  }

  it('allowedFrom lists exactly the statuses with a legal move', () => {
    expect(allowedFrom('approved').sort()).toEqual(['awaiting_review', 'quarantined']);
    expect(allowedFrom('failed').sort()).toEqual(['fetching', 'processing', 'queued']);
  });

  it('clamps progress to a whole 0–100', () => {
    expect(clampProgress(-5)).toBe(0);
    expect(clampProgress(42.6)).toBe(43);
    expect(clampProgress(500)).toBe(100);
    expect(clampProgress(Number.NaN)).toBe(0);
  });
});

describe('what a board may see', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it('only approved items that have not expired', () => {
    for (const status of ITEM_STATUSES) {
      expect(boardMayShow({ status, expiresAt: null }, now)).toBe(status === 'approved');
    }
    expect(boardMayShow({ status: 'approved', expiresAt: new Date('2026-11-23T12:00:01Z') }, now)).toBe(true);
    expect(boardMayShow({ status: 'approved', expiresAt: now }, now)).toBe(false);
  });
  it('only items of its own class', () => {
    expect(boardMayShowInClass({ status: 'approved', expiresAt: null, classId: 'a' }, 'a', now)).toBe(true);
    expect(boardMayShowInClass({ status: 'approved', expiresAt: null, classId: 'a' }, 'b', now)).toBe(false);
  });
});

describe('what a submitted link becomes', () => {
  it('is taken for what it is, with a notice when that differs from the list', () => {
    expect(decideKind('youtube', 'videos')).toEqual({ kind: 'video', notice: null });
    expect(decideKind('media', 'sites').kind).toBe('video');
    expect(decideKind('media', 'sites').notice?.code).toBe('video_in_site_list');
    expect(decideKind('page', 'videos').notice?.code).toBe('page_in_video_list');
    expect(decideKind('unknown', 'sites')).toEqual({ kind: 'webpage', notice: null });
    expect(decideKind('unknown', 'videos')).toEqual({ kind: 'video', notice: null });
  });
});
