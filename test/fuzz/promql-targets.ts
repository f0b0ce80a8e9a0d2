/**
 * Every PromQL template the operator would render for a ModelVariant's analysis, with the values it
 * would substitute: each SLI's query (built-in or custom) and samples query for canary and stable, and
 * the burn-rate error and total queries (custom or default). The values are the real ones and, since
 * the CRD's name rules are the only thing between a name and a query, stand-ins that a future schema
 * might let through (quotes, backslashes, backticks, regex metacharacters). It follows
 * src/analysis/measure.ts, which renders the same templates.
 */
import { DEFAULT_BURN_RATE_QUERIES } from '../../src/analysis/builtins.ts';
import { resolveBuiltin } from '../../src/analysis/profiles.ts';
import type { TemplateVars } from '../../src/analysis/render-query.ts';
import type { AnalysisSpec } from '../../src/analysis/spec.ts';

export interface QueryTarget {
  /** Where the template comes from, e.g. `spec.strategy.analysis.slis[2].query`. */
  field: string;
  template: string;
  vars: TemplateVars;
}

/** Names and namespaces no CRD rule lets through today, tried anyway (defense in depth). */
export const HOSTILE_STAND_INS = ['x"} or vector(1) #', "x'} or vector(1) #", 'x`} or vector(1) #', 'a\\b', 'a.b', 'a|b.*', '{{name}}', 'é\n\u0000'];

function templates(analysis: AnalysisSpec): { field: string; template: string }[] {
  const out: { field: string; template: string }[] = [];
  (analysis.slis ?? []).forEach((sli, i) => {
    const field = `spec.strategy.analysis.slis[${i}]`;
    const builtin = sli.builtin === undefined ? undefined : resolveBuiltin(sli.name, sli.builtin, sli.profile);
    if (builtin?.ok) {
      out.push({ field: `${field}.builtin`, template: builtin.value.query }, { field: `${field}.builtin`, template: builtin.value.samplesQuery });
    }
    if (sli.query !== undefined) out.push({ field: `${field}.query`, template: sli.query });
    if (sli.samplesQuery !== undefined) out.push({ field: `${field}.samplesQuery`, template: sli.samplesQuery });
  });
  if (analysis.slo) {
    out.push({ field: 'spec.strategy.analysis.slo.errorQuery', template: analysis.slo.errorQuery ?? DEFAULT_BURN_RATE_QUERIES.errorQuery });
    out.push({ field: 'spec.strategy.analysis.slo.totalQuery', template: analysis.slo.totalQuery ?? DEFAULT_BURN_RATE_QUERIES.totalQuery });
  }
  return out;
}

/** The templates and values of one ModelVariant's analysis in `namespace` (real values, then stand-ins). */
export function queryTargets(analysis: AnalysisSpec, target: { namespace: string; name: string; activation: string; stableActivation: string }): QueryTarget[] {
  const out: QueryTarget[] = [];
  const window = '1m';
  for (const { field, template } of templates(analysis)) {
    for (const role of ['canary', 'stable'] as const) {
      const variant = role === 'canary' ? target.activation : target.stableActivation;
      out.push({ field, template, vars: { namespace: target.namespace, name: target.name, role, variant, window } });
    }
    for (const hostile of HOSTILE_STAND_INS) {
      out.push({ field, template, vars: { namespace: hostile, name: hostile, role: 'canary', variant: hostile, window } });
    }
  }
  return out;
}
