/**
 * The `status.analysis` shape of docs/api.md, written from judged results. Numbers become strings in
 * Prometheus' text form ('0.0123', 'NaN', '+Inf') so a user reads what Prometheus would show, and a
 * value is absent when there was no data (never 0). Like spec.ts, the shape is declared here rather
 * than imported so analysis does not depend on the generated CRD types; it only uses fields the CRD
 * declares, because server-side apply rejects undeclared ones. Messages are cut to MAX_CHECK_MESSAGE
 * characters, well inside the CRD's limit, so no message can make the status write fail.
 */
import type { BurnRateResult } from './burn-rate.ts';
import { formatPromValue } from './prom-value.ts';
import { clip, MAX_CHECK_MESSAGE } from './sanitize.ts';
import type { SliResult } from './sli-verdict.ts';
import type { Verdict } from './verdict.ts';

export interface SliStatus {
  name: string;
  canaryValue?: string;
  stableValue?: string;
  threshold: string;
  verdict: Verdict;
  reason: string;
  /** A sentence naming the SLI, the values, the bound and the window. */
  message: string;
  window: string;
  measuredAt: string;
  /** The canary's sample count in the window (an increase(), so possibly fractional). */
  samples?: number;
  stableSamples?: number;
}

export interface BurnRateStatus {
  shortWindow: string;
  longWindow: string;
  short?: string;
  long?: string;
  threshold: number;
  budgetRemaining?: string;
  verdict: Verdict;
  reason: string;
  message: string;
}

export interface AnalysisStatus {
  lastRunAt: string;
  verdict: Verdict;
  consecutiveFailures: number;
  consecutiveInconclusive: number;
  slis: SliStatus[];
  burnRate?: BurnRateStatus;
}

const count = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? Math.max(0, value) : undefined);
const text = (value: number | undefined) => (value === undefined ? undefined : formatPromValue(value));
/** Computed (not measured) values lose float noise: 0.01 / (1 − 0.99) is 1, not 0.9999999999999991. */
const computed = (value: number | undefined) => text(value !== undefined && Number.isFinite(value) ? Number(value.toPrecision(12)) : value);
/** Copies the defined entries only, so absent values stay absent in the patch. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function sliStatus(r: SliResult, measuredAt: Date): SliStatus {
  return defined({
    name: r.name, canaryValue: text(r.canaryValue), stableValue: text(r.stableValue), threshold: r.threshold,
    verdict: r.verdict, reason: r.reason, message: clip(r.message, MAX_CHECK_MESSAGE), window: r.window, measuredAt: measuredAt.toISOString(),
    samples: count(r.samples), stableSamples: count(r.stableSamples),
  });
}

export function burnRateStatus(r: BurnRateResult): BurnRateStatus {
  return defined({
    shortWindow: r.shortWindow, longWindow: r.longWindow, short: computed(r.short), long: computed(r.long),
    threshold: r.threshold, budgetRemaining: computed(r.budgetRemaining), verdict: r.verdict, reason: r.reason, message: clip(r.message, MAX_CHECK_MESSAGE),
  });
}
