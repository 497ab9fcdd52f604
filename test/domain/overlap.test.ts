import { expect } from 'chai';
import { overlapMinutes, unionOverlapMinutes, type Interval } from '../../src/domain/overlap.js';

const T0 = Date.UTC(2024, 0, 15, 8, 0, 0);
/** A Date `minutes` after T0 (fractional minutes allowed, negative = before). */
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const iv = (start: number, end: number | null): Interval => ({ start: at(start), end: end === null ? null : at(end) });

// Window [0, 60) and a "now" well after it unless a test says otherwise.
const FROM = at(0);
const TO = at(60);
const LATER = at(1_000);

describe('overlap (src/domain/overlap.ts)', () => {
  describe('overlapMinutes', () => {
    it('interval inside the window → its own length', () => {
      expect(overlapMinutes(iv(10, 25), FROM, TO, LATER)).to.equal(15);
    });

    it('window inside the interval → the window length', () => {
      expect(overlapMinutes(iv(-30, 90), FROM, TO, LATER)).to.equal(60);
    });

    it('partial overlap on the left', () => {
      expect(overlapMinutes(iv(-10, 10), FROM, TO, LATER)).to.equal(10);
    });

    it('partial overlap on the right', () => {
      expect(overlapMinutes(iv(50, 75), FROM, TO, LATER)).to.equal(10);
    });

    it('disjoint before/after → 0, never negative', () => {
      const before = overlapMinutes(iv(-40, -10), FROM, TO, LATER);
      const after = overlapMinutes(iv(70, 80), FROM, TO, LATER);
      expect(before).to.equal(0);
      expect(after).to.equal(0);
      expect(Object.is(before, -0)).to.equal(false);
    });

    it('touching the window boundary only (half-open) → 0', () => {
      expect(overlapMinutes(iv(-10, 0), FROM, TO, LATER)).to.equal(0);
      expect(overlapMinutes(iv(60, 70), FROM, TO, LATER)).to.equal(0);
    });

    it('open-ended interval (end null) runs until now', () => {
      expect(overlapMinutes(iv(30, null), FROM, TO, at(45))).to.equal(15);
      expect(overlapMinutes(iv(-5, null), FROM, TO, at(20))).to.equal(20);
    });

    it('open-ended interval is clipped by the window end when now is later', () => {
      expect(overlapMinutes(iv(30, null), FROM, TO, LATER)).to.equal(30);
    });

    it('open-ended interval that starts after now → 0', () => {
      expect(overlapMinutes(iv(30, null), FROM, TO, at(20))).to.equal(0);
    });

    it('ignores now when the interval is closed', () => {
      expect(overlapMinutes(iv(10, 20), FROM, TO, at(12))).to.equal(10);
    });

    it('zero-length interval → 0', () => {
      expect(overlapMinutes(iv(10, 10), FROM, TO, LATER)).to.equal(0);
    });

    it('zero-length or inverted window → 0', () => {
      expect(overlapMinutes(iv(0, 60), at(20), at(20), LATER)).to.equal(0);
      expect(overlapMinutes(iv(0, 60), at(40), at(20), LATER)).to.equal(0);
    });

    it('is fractional (90 s → 1.5 min)', () => {
      expect(overlapMinutes(iv(10, 11.5), FROM, TO, LATER)).to.equal(1.5);
      expect(overlapMinutes({ start: new Date(T0 + 1_000), end: new Date(T0 + 31_000) }, FROM, TO, LATER)).to.equal(0.5);
    });
  });

  describe('unionOverlapMinutes', () => {
    it('empty list → 0', () => {
      expect(unionOverlapMinutes([], FROM, TO, LATER)).to.equal(0);
    });

    it('a single interval equals overlapMinutes', () => {
      expect(unionOverlapMinutes([iv(-10, 25)], FROM, TO, LATER)).to.equal(overlapMinutes(iv(-10, 25), FROM, TO, LATER));
      expect(unionOverlapMinutes([iv(-10, 25)], FROM, TO, LATER)).to.equal(25);
    });

    it('overlapping incidents are counted once ([0,30) ∪ [20,50) = 50)', () => {
      expect(unionOverlapMinutes([iv(0, 30), iv(20, 50)], FROM, TO, LATER)).to.equal(50);
    });

    it('identical incidents are counted once', () => {
      expect(unionOverlapMinutes([iv(10, 20), iv(10, 20), iv(10, 20)], FROM, TO, LATER)).to.equal(10);
    });

    it('nested incidents are counted once ([0,60) ⊃ [10,20))', () => {
      expect(unionOverlapMinutes([iv(0, 60), iv(10, 20)], FROM, TO, LATER)).to.equal(60);
    });

    it('a long incident followed by one nested in it and one extending past it', () => {
      // [0,30) ∪ [5,10) ∪ [20,40) = [0,40)
      expect(unionOverlapMinutes([iv(0, 30), iv(5, 10), iv(20, 40)], FROM, TO, LATER)).to.equal(40);
    });

    it('adjacent incidents add up without a gap or double count ([0,10) ∪ [10,20) = 20)', () => {
      expect(unionOverlapMinutes([iv(0, 10), iv(10, 20)], FROM, TO, LATER)).to.equal(20);
    });

    it('disjoint incidents add up ([0,10) ∪ [20,30) = 20)', () => {
      expect(unionOverlapMinutes([iv(0, 10), iv(20, 30)], FROM, TO, LATER)).to.equal(20);
    });

    it('unsorted input gives the same result as sorted input', () => {
      const unsorted = [iv(40, 50), iv(0, 10), iv(5, 15)];
      expect(unionOverlapMinutes(unsorted, FROM, TO, LATER)).to.equal(25);
      const sorted = [iv(0, 10), iv(5, 15), iv(40, 50)];
      expect(unionOverlapMinutes(sorted, FROM, TO, LATER)).to.equal(25);
    });

    it('does not reorder the caller\'s array', () => {
      const input = [iv(40, 50), iv(0, 10)];
      const copy = input.map((i) => i.start.getTime());
      unionOverlapMinutes(input, FROM, TO, LATER);
      expect(input.map((i) => i.start.getTime())).to.deep.equal(copy);
    });

    it('clips every incident to the window', () => {
      expect(unionOverlapMinutes([iv(-10, 10), iv(50, 80), iv(-100, -50), iv(90, 100)], FROM, TO, LATER)).to.equal(20);
    });

    it('open-ended incidents run until now and are merged with closed ones', () => {
      // [10, now=35) ∪ [30,40) = [10,40) = 30
      expect(unionOverlapMinutes([iv(10, null), iv(30, 40)], FROM, TO, at(35))).to.equal(30);
      // two open incidents, now after the window → [5,60) = 55
      expect(unionOverlapMinutes([iv(20, null), iv(5, null)], FROM, TO, LATER)).to.equal(55);
    });

    it('zero-length incidents contribute nothing', () => {
      expect(unionOverlapMinutes([iv(10, 10), iv(30, 30)], FROM, TO, LATER)).to.equal(0);
    });

    it('matches a minute-by-minute brute force on deterministic pseudo-random inputs', () => {
      // Park–Miller generator (products stay below 2^53) so the cases are the same every run.
      let seed = 12345;
      const rand = (n: number) => {
        seed = (seed * 48_271) % 2_147_483_647;
        return seed % n;
      };
      for (let round = 0; round < 200; round++) {
        const intervals: Interval[] = [];
        const count = rand(6);
        for (let k = 0; k < count; k++) {
          const start = rand(100) - 20; // [-20, 80)
          const open = rand(5) === 0;
          intervals.push(iv(start, open ? null : start + rand(30)));
        }
        const nowMinute = rand(100) - 10;
        let covered = 0;
        for (let m = 0; m < 60; m++) {
          if (intervals.some((i) => {
            const s = (i.start.getTime() - T0) / 60_000;
            const e = i.end === null ? nowMinute : (i.end.getTime() - T0) / 60_000;
            return s <= m && m + 1 <= e;
          })) covered++;
        }
        const sum = intervals.reduce((acc, i) => acc + overlapMinutes(i, FROM, TO, at(nowMinute)), 0);
        const union = unionOverlapMinutes(intervals, FROM, TO, at(nowMinute));
        expect(union, `round ${round}: ${JSON.stringify(intervals)} now=${nowMinute}`).to.equal(covered);
        expect(union).to.be.at.most(sum);
      }
    });
  });
});
