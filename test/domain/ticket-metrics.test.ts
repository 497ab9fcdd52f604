import { expect } from 'chai';
import type { MetricsSettings } from '../../src/config/config.js';
import {
  autoMetrics,
  flagColorFromMinutes,
  manualMetrics,
  roundUpToFlagIncrement,
  xpFor,
  type FlagColor,
} from '../../src/domain/ticket-metrics.js';

/** The shop defaults of domain.md, written out here rather than imported. */
const DEFAULTS: MetricsSettings = {
  flagIncrementMinutes: 6,
  greenMaxMinutes: 30,
  yellowMaxMinutes: 90,
  xpPerFlagMinute: 1,
  xpMultiplier: { GREEN: 1, YELLOW: 1.2, RED: 1.5 },
};

describe('ticket metrics (src/domain/ticket-metrics.ts)', () => {
  describe('flagColorFromMinutes with defaults (green ≤ 30, yellow ≤ 90)', () => {
    const cases: Array<[number, FlagColor]> = [
      [0, 'GREEN'],
      [1, 'GREEN'],
      [30, 'GREEN'],
      [31, 'YELLOW'],
      [30.5, 'YELLOW'],
      [90, 'YELLOW'],
      [91, 'RED'],
      [600, 'RED'],
    ];
    for (const [minutes, color] of cases) {
      it(`${minutes} min → ${color}`, () => {
        expect(flagColorFromMinutes(minutes, DEFAULTS)).to.equal(color);
      });
    }
  });

  describe('roundUpToFlagIncrement with the default 6-minute increment', () => {
    const cases: Array<[number, number]> = [
      [0, 0],
      [1, 6],
      [5, 6],
      [6, 6],
      [7, 12],
      [12, 12],
      [30, 30],
      [31, 36],
      [40, 42],
      [95, 96],
      [0.5, 6],
    ];
    for (const [minutes, flag] of cases) {
      it(`${minutes} → ${flag}`, () => {
        expect(roundUpToFlagIncrement(minutes, DEFAULTS)).to.equal(flag);
      });
    }

    it('never rounds a positive value down and always lands on a multiple of 6', () => {
      for (let m = 1; m <= 200; m++) {
        const flag = roundUpToFlagIncrement(m, DEFAULTS);
        expect(flag % 6, `${m}`).to.equal(0);
        expect(flag, `${m}`).to.be.at.least(m);
        expect(flag - m, `${m}`).to.be.below(6);
      }
    });
  });

  describe('xpFor with defaults (1 XP per flag minute; ×1, ×1.2, ×1.5)', () => {
    const cases: Array<[number, FlagColor, number]> = [
      [0, 'GREEN', 0],
      [30, 'GREEN', 30],
      [36, 'YELLOW', 43], // 43.2
      [42, 'YELLOW', 50], // 50.4
      [90, 'YELLOW', 108],
      [96, 'RED', 144],
      [102, 'RED', 153],
    ];
    for (const [flag, color, xp] of cases) {
      it(`${flag} flag minutes ${color} → ${xp} XP`, () => {
        expect(xpFor(flag, color, DEFAULTS)).to.equal(xp);
      });
    }

    it('uses the colour passed in, not one derived from the minutes', () => {
      expect(xpFor(42, 'GREEN', DEFAULTS)).to.equal(42);
      expect(xpFor(42, 'RED', DEFAULTS)).to.equal(63);
    });

    it('always returns an integer', () => {
      for (let flag = 0; flag <= 180; flag += 6) {
        for (const color of ['GREEN', 'YELLOW', 'RED'] as const) {
          expect(Number.isInteger(xpFor(flag, color, DEFAULTS)), `${flag} ${color}`).to.equal(true);
        }
      }
    });
  });

  describe('autoMetrics', () => {
    it('gives zero minutes, GREEN and 0 XP for a ticket without active specs', () => {
      expect(autoMetrics([], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 0, flagMinutes: 0, flagColor: 'GREEN', xpAmount: 0 });
    });

    it('treats specs summing to 0 minutes as zero, GREEN', () => {
      expect(autoMetrics([0, 0], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 0, flagMinutes: 0, flagColor: 'GREEN', xpAmount: 0 });
    });

    it('one spec of 40 minutes → 42 flag minutes, YELLOW, 50 XP', () => {
      expect(autoMetrics([40], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 40, flagMinutes: 42, flagColor: 'YELLOW', xpAmount: 50 });
    });

    it('sums several specs before rounding (40 + 55 = 95 → 96, RED, 144 XP)', () => {
      expect(autoMetrics([40, 55], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 95, flagMinutes: 96, flagColor: 'RED', xpAmount: 144 });
    });

    it('rounds the total once, not each spec (1 + 1 + 1 = 3 → 6, not 18)', () => {
      expect(autoMetrics([1, 1, 1], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 3, flagMinutes: 6, flagColor: 'GREEN', xpAmount: 6 });
    });

    it('colours by flag minutes, not raw minutes (10 + 12 + 8 = 30 stays GREEN; 25 + 6 = 31 → 36 YELLOW)', () => {
      expect(autoMetrics([10, 12, 8], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 30, flagMinutes: 30, flagColor: 'GREEN', xpAmount: 30 });
      expect(autoMetrics([25, 6], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 31, flagMinutes: 36, flagColor: 'YELLOW', xpAmount: 43 });
    });

    it('is independent of spec order', () => {
      expect(autoMetrics([55, 40, 7], DEFAULTS)).to.deep.equal(autoMetrics([7, 40, 55], DEFAULTS));
      expect(autoMetrics([55, 40, 7], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 102, flagMinutes: 102, flagColor: 'RED', xpAmount: 153 });
    });
  });

  describe('manualMetrics', () => {
    it('keeps the given values and recomputes only the colour from flagMinutes', () => {
      expect(manualMetrics({ srtTotalMinutes: 10, flagMinutes: 100, xpAmount: 7 }, DEFAULTS)).to.deep.equal({
        srtTotalMinutes: 10,
        flagMinutes: 100,
        flagColor: 'RED',
        xpAmount: 7,
      });
    });

    it('does not round flagMinutes to the increment nor derive XP', () => {
      expect(manualMetrics({ srtTotalMinutes: 45, flagMinutes: 31, xpAmount: 999 }, DEFAULTS)).to.deep.equal({
        srtTotalMinutes: 45,
        flagMinutes: 31,
        flagColor: 'YELLOW',
        xpAmount: 999,
      });
    });

    it('colours 0 flag minutes GREEN even when srt is large', () => {
      expect(manualMetrics({ srtTotalMinutes: 500, flagMinutes: 0, xpAmount: 0 }, DEFAULTS).flagColor).to.equal('GREEN');
    });
  });

  describe('custom settings are honoured', () => {
    const CUSTOM: MetricsSettings = {
      flagIncrementMinutes: 15,
      greenMaxMinutes: 20,
      yellowMaxMinutes: 60,
      xpPerFlagMinute: 0.5,
      xpMultiplier: { GREEN: 1, YELLOW: 2, RED: 3 },
    };

    it('rounds to the configured increment', () => {
      expect(roundUpToFlagIncrement(1, CUSTOM)).to.equal(15);
      expect(roundUpToFlagIncrement(15, CUSTOM)).to.equal(15);
      expect(roundUpToFlagIncrement(16, CUSTOM)).to.equal(30);
      expect(roundUpToFlagIncrement(40, CUSTOM)).to.equal(45);
    });

    it('colours with the configured limits', () => {
      expect(flagColorFromMinutes(20, CUSTOM)).to.equal('GREEN');
      expect(flagColorFromMinutes(21, CUSTOM)).to.equal('YELLOW');
      expect(flagColorFromMinutes(30, CUSTOM)).to.equal('YELLOW'); // GREEN under the defaults
      expect(flagColorFromMinutes(60, CUSTOM)).to.equal('YELLOW');
      expect(flagColorFromMinutes(61, CUSTOM)).to.equal('RED');
    });

    it('uses the configured XP rate and multipliers', () => {
      expect(xpFor(60, 'YELLOW', CUSTOM)).to.equal(60); // round(60 × 0.5) × 2
      expect(xpFor(90, 'RED', CUSTOM)).to.equal(135); // round(90 × 0.5) × 3
      expect(xpFor(14, 'GREEN', CUSTOM)).to.equal(7);
    });

    it('autoMetrics combines all of them', () => {
      expect(autoMetrics([10], CUSTOM)).to.deep.equal({ srtTotalMinutes: 10, flagMinutes: 15, flagColor: 'GREEN', xpAmount: 8 }); // round(7.5)=8
      expect(autoMetrics([20, 30], CUSTOM)).to.deep.equal({ srtTotalMinutes: 50, flagMinutes: 60, flagColor: 'YELLOW', xpAmount: 60 });
      expect(autoMetrics([80], CUSTOM)).to.deep.equal({ srtTotalMinutes: 80, flagMinutes: 90, flagColor: 'RED', xpAmount: 135 });
      // The same specs under the defaults differ, proving the settings are read.
      expect(autoMetrics([80], DEFAULTS)).to.deep.equal({ srtTotalMinutes: 80, flagMinutes: 84, flagColor: 'YELLOW', xpAmount: 101 });
    });

    it('manualMetrics colours with the configured limits', () => {
      expect(manualMetrics({ srtTotalMinutes: 25, flagMinutes: 25, xpAmount: 1 }, CUSTOM).flagColor).to.equal('YELLOW');
      expect(manualMetrics({ srtTotalMinutes: 25, flagMinutes: 25, xpAmount: 1 }, DEFAULTS).flagColor).to.equal('GREEN');
    });
  });
});
