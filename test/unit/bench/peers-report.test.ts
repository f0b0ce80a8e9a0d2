/**
 * The peers bench's pure parts: the figures derived from what was observed (rollback latency from the
 * fault being queryable, promotion time only for a promotion, queries per analysis interval over both
 * rollouts), the ratio text, the table's shape, and what each controller's workload reads from the
 * objects it watches (route weights, Argo's ReplicaSets, the outcomes).
 */
import { describe, expect, it } from '@jest/globals';
import { derive, formatTable, median, ratio, type ControllerFigures, type FaultFigures } from '../../../bench/peers/report.ts';
import type { Objects } from '../../../bench/peers/object-watch.ts';
import { errorRateQuery, workloadFor } from '../../../bench/peers/workloads.ts';

const T = 1_000_000;
/** A faulty rollout of 20 s from T + `at` s, whose canary was at 0 % `latencyMs` after the fault became queryable. */
const fault = (at: number, latencyMs: number, over: Partial<FaultFigures> = {}): FaultFigures => ({
  startedAt: T + at * 1000, endedAt: T + at * 1000 + 20_000, outcome: 'rolledBack', apiRequests: 90, apiWrites: 20, queries: 30,
  faultAt: T + at * 1000 + 10_000, queryableAt: T + at * 1000 + 11_000, canaryZeroAt: T + at * 1000 + 11_000 + latencyMs, ...over,
});
const figures = (over: Partial<ControllerFigures> = {}): ControllerFigures => ({
  controller: 'activation-canary', analysisIntervalS: 1,
  promote: { startedAt: T, endedAt: T + 40_000, outcome: 'promoted', apiRequests: 200, apiWrites: 50, queries: 60 },
  faults: [fault(100, 2500)],
  rssPeakBytes: 200 * 2 ** 20, rssEndBytes: 190 * 2 ** 20, ...over,
});

describe('derive', () => {
  it('measures rollback latency from the fault being queryable, and from the fault itself', () => {
    const d = derive(figures());
    expect(d.rollbackLatencyS).toBeCloseTo(2.5);
    expect(d.faultToZeroS).toBeCloseTo(3.5);
  });

  it('gives queries per analysis interval over both rollouts: 90 queries in 60 s at 1 s and at 10 s intervals', () => {
    expect(derive(figures()).queriesPerInterval).toBeCloseTo(1.5);
    expect(derive(figures({ analysisIntervalS: 10 })).queriesPerInterval).toBeCloseTo(15);
    expect(derive(figures()).queriesPerMinute).toBeCloseTo(90);
  });

  it('has no promotion time when the healthy rollout did not promote, and no latency when the canary never reached 0 %', () => {
    const f = figures();
    const d = derive({ ...f, promote: { ...f.promote, outcome: 'rolledBack' }, faults: [fault(100, 0, { canaryZeroAt: null })] });
    expect(d.promotionS).toBeNull();
    expect(d.rollbackLatencyS).toBeNull();
    expect(d.rollbackLatencyRangeS).toBeNull();
  });

  it('takes the median latency over the fault rounds that reached 0 %, with their range', () => {
    const d = derive(figures({ faults: [fault(100, 4000), fault(200, 1000), fault(300, 0, { canaryZeroAt: null }), fault(400, 2000)] }));
    expect(d.rollbackLatencyS).toBeCloseTo(2);
    expect(d.rollbackLatencyRangeS).toEqual([1, 4]);
  });

  it('leaves a rollout without an outcome out of the query rate', () => {
    expect(derive(figures({ faults: [fault(100, 0, { endedAt: null, outcome: null })] })).queriesPerInterval).toBeCloseTo(60 / 40);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe('ratio', () => {
  it('divides, and says when it cannot', () => {
    expect(ratio(17.9, 2.3)).toBe('7.8×');
    expect(ratio(null, 2)).toBe('–');
    expect(ratio(3, 0)).toBe('∞');
    expect(ratio(0, 0)).toBe('1.0×');
    expect(ratio(1.9, 88.2)).toBe('0.02×');
    expect(ratio(0, 5)).toBe('0.0×');
  });
});

describe('formatTable', () => {
  it('has a column per controller and a ratio column per peer, each peer divided by this operator', () => {
    const table = formatTable([figures(), figures({ controller: 'flagger', faults: [fault(100, 15_000)] })]);
    const lines = table.split('\n');
    expect(lines[0]).toBe('|  | activation-canary | flagger | flagger ÷ activation-canary |');
    expect(lines.find((l) => l.startsWith('| rollback latency'))).toBe('| rollback latency: fault queryable → canary 0 % (s), median (min–max) | 2.5 (2.5–2.5) | 15.0 (15.0–15.0) | 6.0× |');
  });
});

const objects = (entries: Record<string, object[]>): Objects =>
  new Map(Object.entries(entries).map(([path, objs]) => [path, new Map(objs.map((o) => [(o as { metadata: { name: string } }).metadata.name, o as never]))]));

describe('what each workload reads from the watched objects', () => {
  it('reads the canary backend weight of the HTTPRoute (activation-canary and Flagger alike)', () => {
    const w = workloadFor('flagger', 'ns', 'm', 'r/gpu');
    const route = (canary: number) => ({ metadata: { name: 'm' }, spec: { rules: [{ backendRefs: [{ name: 'm-primary', weight: 100 - canary }, { name: 'm-canary', weight: canary }] }] } });
    const path = '/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes';
    expect(w.canaryPercent(objects({ [path]: [route(25)] }))).toBe(25);
    expect(w.canaryPercent(objects({ [path]: [route(0)] }))).toBe(0);
    expect(w.canaryPercent(objects({ [path]: [] }))).toBeUndefined();
  });

  it("reads Argo's replica-ratio canary from its ReplicaSets, and promotion only once the stable ReplicaSet runs the new variant", () => {
    const w = workloadFor('argo-rollouts', 'ns', 'm', 'r/gpu');
    const rs = (hash: string, variant: string, replicas: number) => ({
      metadata: { name: `m-${hash}`, labels: { 'rollouts-pod-template-hash': hash }, ownerReferences: [{ kind: 'Rollout', name: 'm' }] },
      spec: { replicas, template: { spec: { containers: [{ env: [{ name: 'ACTIVATION', value: variant }] }] } } },
    });
    const rsPath = '/apis/apps/v1/namespaces/ns/replicasets';
    const roPath = '/apis/argoproj.io/v1alpha1/namespaces/ns/rollouts';
    const rollout = (status: object) => ({ metadata: { name: 'm' }, status });
    expect(w.canaryPercent(objects({ [rsPath]: [rs('a', 'relu', 3), rs('b', 'gelu', 1)] }))).toBe(25);
    expect(w.canaryPercent(objects({ [rsPath]: [rs('a', 'relu', 4), rs('b', 'gelu', 0)] }))).toBe(0);
    const healthyOld = objects({ [rsPath]: [rs('a', 'relu', 4), rs('b', 'gelu', 1)], [roPath]: [rollout({ phase: 'Healthy', stableRS: 'a', currentPodHash: 'a' })] });
    expect(w.outcome(healthyOld)).toBeUndefined();
    const promoted = objects({ [rsPath]: [rs('a', 'relu', 0), rs('b', 'gelu', 4)], [roPath]: [rollout({ phase: 'Healthy', stableRS: 'b', currentPodHash: 'b' })] });
    expect(w.outcome(promoted)).toBe('promoted');
    expect(w.outcome(objects({ [roPath]: [rollout({ phase: 'Degraded', abort: true })] }))).toBe('rolledBack');
  });

  it('asks every controller the same rendered built-in errorRate query', () => {
    expect(errorRateQuery('ns', 'm')).toBe(
      '(sum(rate(inference_requests_total{namespace="ns",model="m",role="canary",variant="gelu",code=~"5.."}[10s])) or vector(0)) / sum(rate(inference_requests_total{namespace="ns",model="m",role="canary",variant="gelu"}[10s]))');
  });
});
