import { describe, expect, it } from '@jest/globals';
import { FAULT_DURATIONS_MS, FAULT_KINDS, faultPlan, parseFaultKinds, pickOne, rolloutPlan, subSeed } from '../../chaos/schedule.ts';

describe('the chaos schedule', () => {
  it('replays: the same seed gives the same rollouts and faults, another seed others', () => {
    const run = (seed: number) => ({
      rollouts: Array.from({ length: 50 }, (_, i) => rolloutPlan(seed, i)),
      faults: Array.from({ length: 50 }, (_, k) => faultPlan(seed, k)),
    });
    expect(run(42)).toEqual(run(42));
    expect(run(43)).not.toEqual(run(42));
  });

  it('draws rollout i the same whatever the run size (each from a seed of its own)', () => {
    expect(rolloutPlan(7, 99)).toEqual(rolloutPlan(7, 99));
    expect(subSeed(7, 1)).not.toBe(subSeed(7, 2));
    expect(subSeed(7, 1)).not.toBe(subSeed(8, 1));
  });

  it('mixes every kind of rollout and every fault over a run of 100, within their bounds', () => {
    const rollouts = Array.from({ length: 100 }, (_, i) => rolloutPlan(20261130, i));
    expect(new Set(rollouts.map((r) => r.kind))).toEqual(new Set(['healthy', 'faulty', 'abort', 'promote']));
    for (const r of rollouts) {
      expect(r.faulty).toBe(r.kind === 'faulty' || (r.kind === 'promote' && r.faulty));
      if (r.kind === 'healthy' || r.kind === 'abort') expect(r.faulty).toBe(false);
      expect(r.signalAfterMs !== undefined).toBe(r.kind === 'abort' || r.kind === 'promote');
      expect(r.steps.length).toBeGreaterThanOrEqual(1);
      expect(r.replicas).toBeGreaterThanOrEqual(2);
    }
    const faults = Array.from({ length: 200 }, (_, k) => faultPlan(20261130, k));
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    for (const f of faults) {
      const [lo, hi] = FAULT_DURATIONS_MS[f.kind];
      expect(f.durationMs).toBeGreaterThanOrEqual(lo);
      expect(f.durationMs).toBeLessThanOrEqual(hi);
      expect(f.pick).toBeGreaterThanOrEqual(0);
      expect(f.pick).toBeLessThan(1);
    }
  });

  it('draws only the fault kinds asked for, and refuses unknown ones with the list', () => {
    const kinds = parseFaultKinds('etcd-pause, node-cordon');
    expect(kinds).toEqual(['etcd-pause', 'node-cordon']);
    expect(new Set(Array.from({ length: 30 }, (_, k) => faultPlan(1, k, kinds).kind))).toEqual(new Set(kinds));
    expect(parseFaultKinds(undefined)).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('none')).toEqual([]);
    expect(() => parseFaultKinds('etcd-pause,disk-full')).toThrow(/unknown fault kind\(s\) disk-full: use all, none, or some of operator-kill/);
    expect(() => faultPlan(1, 0, [])).toThrow(/no fault kinds/);
  });

  it('picks a target from a draw in [0, 1)', () => {
    expect(pickOne(['a', 'b', 'c'], 0)).toBe('a');
    expect(pickOne(['a', 'b', 'c'], 0.5)).toBe('b');
    expect(pickOne(['a', 'b', 'c'], 0.999)).toBe('c');
    expect(pickOne([], 0.5)).toBeUndefined();
  });
});
