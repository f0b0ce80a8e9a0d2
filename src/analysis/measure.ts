/**
 * The I/O half of an analysis run: renders every query an AnalysisSpec needs for one ModelVariant
 * (each SLI for the canary; for stable only when a ratio bound needs it; sample counts when a minimum
 * applies; the canary's bad and total events on both burn-rate windows), evaluates them all at the same
 * instant `now` with a bound on concurrency (identical queries are sent once), and returns the
 * Measurements judge() needs. planMeasurements is the pure half (the queries and how their answers
 * assemble), which measure-round.ts also uses to batch many ModelVariants' queries. It never throws: a query that fails, or a spec that cannot be rendered,
 * is recorded as an error in the SLI it belongs to, and the other SLIs are still measured.
 */
import { parseDuration } from '../util/duration.ts';
import { DEFAULT_BURN_RATE_QUERIES } from './builtins.ts';
import { runLimited } from './concurrency.ts';
import type { SpecError } from './errors.ts';
import type { Measured, Measurements, SliMeasurement, WindowEvents } from './measurements.ts';
import { classifyTransportError } from './prometheus-provider.ts';
import { resolveBuiltin } from './profiles.ts';
import type { QueryResult } from './prometheus-response.ts';
import { renderQuery, toPromDuration, type TemplateVars } from './render-query.ts';
import { DEFAULTS, type AnalysisSpec, type AnalysisTarget, type SliSpec } from './spec.ts';

/** What measuring needs from a provider (a PrometheusProvider fits). */
export interface MetricQuerier {
  query(promql: string, at?: Date): Promise<QueryResult>;
}

export interface MeasureOptions {
  /** Queries in flight at most (default DEFAULTS.concurrency). */
  concurrency?: number;
}

type Role = TemplateVars['role'];
/** A query to send (rendered for one ModelVariant, with the template and values it came from), or the reason it cannot be. */
export type Planned = { kind: 'query'; promql: string; template: string; vars: TemplateVars } | { kind: 'error'; error: SpecError };

/** Every query an AnalysisSpec needs for one ModelVariant, and how their answers become Measurements. */
export interface MeasurementPlan {
  queries: Planned[];
  /**
   * The Measurements from one Measured per query, in the order of `queries`, stamped `measuredAt` (the
   * run's instant; a batched round evaluates its queries up to a grace period after it, analysis-scheduler.ts).
   */
  assemble(results: readonly Measured[], measuredAt: Date): Measurements;
}

/** Measures every SLI and the burn rate of `spec` for `target`, all evaluated at `now`. */
export async function measureAnalysis(provider: MetricQuerier, spec: AnalysisSpec, target: AnalysisTarget, now: Date,
  options: MeasureOptions = {}): Promise<Measurements> {
  const plan = planMeasurements(spec, target);
  return plan.assemble(await runAll(provider, plan.queries, now, options.concurrency ?? DEFAULTS.concurrency), now);
}

/**
 * Plans the queries of `spec` for `target`, pure: each SLI for the canary, for stable only when a ratio
 * bound needs it, the sample counts when a minimum applies, and the burn rate's events on both windows.
 */
export function planMeasurements(spec: AnalysisSpec, target: AnalysisTarget): MeasurementPlan {
  const planned: Planned[] = [];
  /** Registers a query; returns the index its Measured will have. */
  const plan = (p: Planned): number => planned.push(p) - 1;
  const render = (template: string | SpecError, role: Role, window: string | SpecError): number => {
    if (typeof template !== 'string') return plan({ kind: 'error', error: template });
    if (typeof window !== 'string') return plan({ kind: 'error', error: window });
    const variant = role === 'canary' ? target.canaryVariant : target.stableVariant;
    const vars = { namespace: target.namespace, name: target.name, role, variant, window };
    const r = renderQuery(template, vars);
    return plan(r.ok ? { kind: 'query', promql: r.value, template, vars } : { kind: 'error', error: r.error });
  };

  const slis = (spec.slis ?? []).map((sli) => planSli(sli, render));
  const slo = spec.slo;
  const burn = slo && (() => {
    const shortWindow = promWindow(slo.shortWindow ?? DEFAULTS.shortWindow, 'slo.shortWindow');
    const longWindow = promWindow(slo.longWindow ?? DEFAULTS.longWindow, 'slo.longWindow');
    const errorQuery = slo.errorQuery ?? DEFAULT_BURN_RATE_QUERIES.errorQuery;
    const totalQuery = slo.totalQuery ?? DEFAULT_BURN_RATE_QUERIES.totalQuery;
    const events = (window: string | SpecError) => ({ errors: render(errorQuery, 'canary', window), total: render(totalQuery, 'canary', window) });
    return { shortWindow, longWindow, short: events(shortWindow), long: events(longWindow), customQueries: slo.errorQuery !== undefined };
  })();

  const assemble = (results: readonly Measured[], measuredAt: Date): Measurements => {
    const at = (i: number): Measured => results[i] as Measured;
    const windowEvents = (w: { errors: number; total: number }): WindowEvents => ({ errors: at(w.errors), total: at(w.total) });
    return {
      measuredAt,
      slis: slis.map((s): SliMeasurement => ({
        name: s.name, window: s.window, minSamples: s.minSamples, samplesUnit: s.samplesUnit, canary: at(s.canary),
        ...(s.stable !== undefined ? { stable: at(s.stable) } : {}),
        ...(s.canarySamples !== undefined ? { canarySamples: at(s.canarySamples) } : {}),
        ...(s.stableSamples !== undefined ? { stableSamples: at(s.stableSamples) } : {}),
      })),
      ...(burn ? {
        burnRate: {
          shortWindow: windowText(burn.shortWindow), longWindow: windowText(burn.longWindow),
          short: windowEvents(burn.short), long: windowEvents(burn.long), customQueries: burn.customQueries,
        },
      } : {}),
    };
  };
  return { queries: planned, assemble };
}

type Render = (template: string | SpecError, role: Role, window: string | SpecError) => number;

function planSli(sli: SliSpec, render: Render) {
  const window = promWindow(sli.window ?? DEFAULTS.sliWindow, `SLI ${sli.name}: window`);
  const definition = resolveDefinition(sli);
  const minSamples = sli.minSamples ?? definition.minSamples;
  const samplesQuery: string | SpecError = definition.samplesQuery ?? { code: 'InvalidSli', sli: sli.name,
    message: `SLI ${sli.name}: minSamples is ${minSamples} but there is no samplesQuery to count samples with; add one or set minSamples to 0` };
  const needsStable = sli.maxRatioToStable !== undefined || sli.minRatioToStable !== undefined;
  const counts = minSamples > 0;
  return {
    name: sli.name, window: windowText(window), minSamples, samplesUnit: definition.samplesUnit,
    canary: render(definition.query, 'canary', window),
    stable: needsStable ? render(definition.query, 'stable', window) : undefined,
    canarySamples: counts ? render(samplesQuery, 'canary', window) : undefined,
    stableSamples: counts && needsStable ? render(samplesQuery, 'stable', window) : undefined,
  };
}

interface Definition {
  query: string | SpecError;
  samplesQuery: string | undefined;
  minSamples: number;
  samplesUnit: string;
}

/** The SLI's queries and defaults: a built-in's, the custom templates, or why neither applies. */
function resolveDefinition(sli: SliSpec): Definition {
  const custom = (query: string | SpecError): Definition => ({ query, samplesQuery: sli.samplesQuery, minSamples: 0, samplesUnit: 'samples' });
  if (sli.builtin !== undefined && sli.query !== undefined) {
    return custom({ code: 'InvalidSli', sli: sli.name, message: `SLI ${sli.name} sets both builtin and query; keep exactly one` });
  }
  if (sli.builtin !== undefined) {
    const builtin = resolveBuiltin(sli.name, sli.builtin, sli.profile);
    if (!builtin.ok) return custom(builtin.error);
    const { query, samplesQuery, minSamples, samplesUnit } = builtin.value;
    return { query, samplesQuery, minSamples, samplesUnit };
  }
  if (sli.profile !== undefined) {
    return custom({ code: 'InvalidSli', sli: sli.name, message: `SLI ${sli.name}: profile applies only to a builtin; remove it from an SLI with a query` });
  }
  if (sli.query !== undefined) return custom(sli.query);
  return custom({ code: 'InvalidSli', sli: sli.name, message: `SLI ${sli.name} sets neither builtin nor query; set exactly one` });
}

/** A CRD duration ("1.5m") as a Prometheus range ("1m30s"), or the SpecError saying which field is wrong. */
type WindowError = Extract<SpecError, { code: 'InvalidWindow' }>;

function promWindow(duration: string, field: string): string | WindowError {
  const ms = parseDuration(duration);
  if (ms === undefined || ms <= 0) {
    return { code: 'InvalidWindow', window: duration, message: `${field} ${JSON.stringify(duration)} is not a positive duration: use e.g. 1m or 90s` };
  }
  return toPromDuration(ms);
}

const windowText = (w: string | WindowError): string => (typeof w === 'string' ? w : w.window);

async function runAll(provider: MetricQuerier, planned: Planned[], now: Date, concurrency: number): Promise<Measured[]> {
  const unique = [...new Set(planned.flatMap((p) => (p.kind === 'query' ? [p.promql] : [])))];
  const answers = await runLimited(unique.map((promql) => async (): Promise<QueryResult> => {
    try {
      return await provider.query(promql, now);
    } catch (err) {
      return { kind: 'error', error: classifyTransportError(err, 'prometheus', 0) };
    }
  }), concurrency);
  const byQuery = new Map(unique.map((q, i) => [q, answers[i] as QueryResult]));
  return planned.map((p): Measured => (p.kind === 'error' ? p : (byQuery.get(p.promql) as QueryResult)));
}
