/**
 * The sample-size part of a comparison: how many samples per side the spec's margin needs at its
 * confidence and power, how many more the current data lacks, and how long they take at the current
 * rates. See compare.ts for which errors the power is about, and sample-size.ts for the formulas
 * (Noether 1987 for samples, Fleiss, Tytun & Ury 1980 for counts).
 *
 * For `either` the requirement is the stricter of two: detecting a change of the margin in either
 * direction (two-sided α, power) and showing equivalence when there is none (two one-sided tests at α
 * with probability `power` for both, so z_{1−(1−power)/2}).
 */
import { fmt } from '../verdict.ts';
import { normalQuantile } from './normal.ts';
import { additionalSamples, noetherSampleSize, shiftedRelativeEffect, twoProportionSampleSize, type PowerOptions } from './sample-size.ts';
import type { Counts, MetricDirection } from './types.ts';

export interface SampleSizeEstimate {
  /** Samples per side with equal allocation (rounded up); Infinity when the margin is 0; absent when no spread is known yet. */
  perSide?: number;
  /** More samples per side for the spec's power at the current allocation (and minSamples); 0 when enough. */
  additional: { candidate: number; baseline: number };
  /** How long `additional` takes at the given rates, in seconds (Infinity if never). */
  seconds?: number;
  /** The formula and the effect it was computed for, as a sentence. */
  basis: string;
}

export interface SampleSizeSpec {
  direction: MetricDirection;
  alpha: number;
  power: number;
  /** Absolute, in the SLI's unit. */
  margin: number;
  minSamples: number;
}

type Input =
  | { kind: 'samples'; candidate: readonly number[]; baseline: readonly number[] }
  | { kind: 'counts'; candidate: Counts; baseline: Counts };

/** The (α, power, sidedness) combinations a decision must satisfy (see the module comment). */
function powerOptions(direction: MetricDirection, alpha: number, power: number): PowerOptions[] {
  if (direction !== 'either') return [{ alpha, power, sided: 1 }];
  return [{ alpha, power, sided: 2 }, { alpha, power: 1 - (1 - power) / 2, sided: 1 }];
}

const zOf = (o: PowerOptions) => ({ zAlpha: normalQuantile(1 - (o.alpha ?? 0.05) / (o.sided ?? 2)), zBeta: normalQuantile(o.power ?? 0.8) });

export function sampleSizeFor(input: Input, spec: SampleSizeSpec, rates?: { candidate: number; baseline: number }): SampleSizeEstimate {
  const pairs = powerOptions(spec.direction, spec.alpha, spec.power);
  const current = input.kind === 'samples'
    ? { candidate: input.candidate.length, baseline: input.baseline.length }
    : { candidate: input.candidate.total, baseline: input.baseline.total };
  const floor = (nc: number, nb: number) => nc >= spec.minSamples && nb >= spec.minSamples;
  const plan = input.kind === 'samples' ? samplesPlan(input, spec, pairs) : countsPlan(input, spec, pairs);
  const meets = plan ? (nc: number, nb: number) => floor(nc, nb) && plan.meets(nc, nb) : floor;
  const more = additionalSamples(meets, current, rates);
  return {
    ...(plan ? { perSide: Math.max(spec.minSamples, plan.perSide) } : {}),
    additional: { candidate: more.candidate, baseline: more.baseline },
    ...(more.seconds !== undefined ? { seconds: more.seconds } : {}),
    basis: plan?.basis ?? `no spread known yet (fewer than 2 samples on both sides): only minSamples ${spec.minSamples} is counted`,
  };
}

interface Plan {
  perSide: number;
  meets(nCandidate: number, nBaseline: number): boolean;
  basis: string;
}

/** Noether (1987), with p estimated from baseline's spread (or the candidate's, when baseline has < 2 samples). */
function samplesPlan(input: Extract<Input, { kind: 'samples' }>, spec: SampleSizeSpec, pairs: PowerOptions[]): Plan | undefined {
  const [from, sample] = input.baseline.length >= 2 ? ['baseline', input.baseline] : input.candidate.length >= 2 ? ['candidate', input.candidate] : [];
  if (!sample) return undefined;
  const p = shiftedRelativeEffect(sample, spec.margin);
  const perSide = Math.max(...pairs.map((o) => Math.ceil(noetherSampleSize(p, o) / 2)));
  const limits = pairs.map((o) => { const { zAlpha, zBeta } = zOf(o); return (12 * (p - 0.5) ** 2) / (zAlpha + zBeta) ** 2; });
  return {
    perSide,
    meets: (nc, nb) => limits.every((limit) => 1 / nc + 1 / nb <= limit),
    basis: `Noether (1987) for a shift of ${fmt(spec.margin)}: P(shifted > unshifted) = ${fmt(p)}, estimated from ${sample.length} ${from} samples`,
  };
}

/** Fleiss, Tytun & Ury (1980), baseline's proportion against it moved by the margin toward worse (both ways for `either`). */
function countsPlan(input: Extract<Input, { kind: 'counts' }>, spec: SampleSizeSpec, pairs: PowerOptions[]): Plan | undefined {
  const known = input.baseline.total > 0 ? input.baseline : input.candidate.total > 0 ? input.candidate : undefined;
  if (!known) return undefined;
  const pb = known.events / known.total;
  const moves = spec.direction === 'higherIsWorse' ? [1] : spec.direction === 'lowerIsWorse' ? [-1] : [1, -1];
  const alternatives = moves.map((s) => Math.min(1, Math.max(0, pb + s * spec.margin))).filter((pa) => pa !== pb);
  const basis = `Fleiss, Tytun & Ury (1980): ${input.baseline.total > 0 ? 'baseline' : 'candidate'} proportion ${fmt(pb)} against ${alternatives.map((a) => fmt(a)).join(' and ') || 'itself (a margin of 0)'}`;
  if (alternatives.length === 0) return { perSide: Infinity, meets: () => false, basis };
  const perSide = Math.max(...pairs.flatMap((o) => alternatives.map((pa) => Math.ceil(twoProportionSampleSize(pa, pb, o)))));
  const zPairs = pairs.map(zOf);
  const meets = (nc: number, nb: number) => zPairs.every(({ zAlpha, zBeta }) => alternatives.every((pa) => {
    const pBar = (nc * pa + nb * pb) / (nc + nb);
    const need = zAlpha * Math.sqrt(pBar * (1 - pBar) * (1 / nc + 1 / nb)) + zBeta * Math.sqrt((pa * (1 - pa)) / nc + (pb * (1 - pb)) / nb);
    return need <= Math.abs(pa - pb);
  }));
  return { perSide, meets, basis };
}
