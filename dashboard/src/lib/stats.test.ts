import { describe, expect, it } from 'vitest';
import { makeTrace } from '../test/fixtures';
import { computeStats, percentile, sparklinePoints, SPARKLINE_POINTS } from './stats';

describe('percentile (nearest rank)', () => {
  it('gives exact values on known inputs', () => {
    const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
    expect(percentile([10, 20, 30, 40, 50], 50)).toBe(30);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('computeStats', () => {
  it('computes count, failures, average, p50, p95 over finished traces', () => {
    const traces = [
      makeTrace({ seq: 1, duration_ms: 100 }),
      makeTrace({ seq: 2, duration_ms: 300, status: 'error' }),
      makeTrace({ seq: 3, duration_ms: 200 }),
      makeTrace({ seq: 4, duration_ms: 400 }),
      makeTrace({ seq: 5, duration_ms: 0, running: true, status: 'running' }),
    ];
    const s = computeStats(traces);
    expect(s.count).toBe(5);
    expect(s.failures).toBe(1);
    expect(s.running).toBe(1);
    expect(s.avgMs).toBe(250);
    expect(s.p50Ms).toBe(200);
    expect(s.p95Ms).toBe(400);
    expect(s.lastStartMs).toBe(traces[4]!.start_time_ms);
    expect(s.lastFailed).toBe(false);
  });

  it('sparkline lists recent finished durations oldest first, capped', () => {
    const traces = Array.from({ length: 40 }, (_, i) => makeTrace({ seq: 100 + i, duration_ms: i })).reverse();
    const s = computeStats(traces);
    expect(s.sparkline).toHaveLength(SPARKLINE_POINTS);
    expect(s.sparkline[0]).toBe(40 - SPARKLINE_POINTS);
    expect(s.sparkline.at(-1)).toBe(39);
  });

  it('reports the last trace failing', () => {
    const s = computeStats([makeTrace({ seq: 1 }), makeTrace({ seq: 2, status: 'error' })]);
    expect(s.lastFailed).toBe(true);
  });

  it('is empty-safe', () => {
    expect(computeStats([])).toEqual({
      count: 0, failures: 0, running: 0, avgMs: null, p50Ms: null, p95Ms: null, sparkline: [], lastStartMs: null, lastFailed: false,
    });
  });
});

describe('sparklinePoints', () => {
  it('maps min to the bottom and max to the top', () => {
    const g = sparklinePoints([0, 10], 100, 20)!;
    expect(g.points).toBe('1.5,18.5 98.5,1.5');
    expect(g.last).toEqual({ x: 98.5, y: 1.5 });
  });

  it('draws a flat line mid-height for constant values; null below two points', () => {
    expect(sparklinePoints([5, 5, 5], 10, 20)!.points).toBe('1.5,10 5,10 8.5,10');
    expect(sparklinePoints([5], 10, 20)).toBeNull();
  });
});
