/**
 * The chart's Grafana dashboards, read as files: valid JSON, the three promised, panels with unique
 * ids and the datasource variable, the standard template variables (and only defined ones used), and
 * only metrics docs/metrics.md documents. test/integration/dashboards.test.ts runs every query
 * against a real Prometheus during a rollout.
 */
import { describe, expect, it } from '@jest/globals';
import {
  allPanels, documentedMetrics, GRAFANA_BUILTINS, isDocumented, loadDashboards, metricNames, panelQueries, substitute, variableQueries, variablesUsed,
} from '../support/dashboards.ts';

const dashboards = loadDashboards();

describe('the Grafana dashboards', () => {
  it('are the executive, on-call and debug dashboards, each with its own uid and title', () => {
    expect(dashboards.map((d) => d.file)).toEqual(['debug.json', 'executive.json', 'on-call.json']);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(3);
    expect(new Set(dashboards.map((d) => d.title)).size).toBe(3);
    for (const d of dashboards) expect(d.uid).toMatch(/^activation-canary-[a-z-]+$/);
  });

  it.each(dashboards.map((d) => [d.file, d] as const))('%s: every panel has an id of its own, a title and a place; every query goes through $datasource', (_file, d) => {
    const panels = allPanels(d);
    const ids = panels.map((p) => p.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    for (const p of panels) {
      expect({ title: p.title, id: Number.isInteger(p.id), grid: p.gridPos !== undefined }).toEqual({ title: expect.stringMatching(/\S/), id: true, grid: true });
      if (p.type === 'row') continue;
      expect({ panel: p.title, datasource: p.datasource?.uid, targets: (p.targets ?? []).length > 0 }).toEqual({ panel: p.title, datasource: '${datasource}', targets: true });
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  it.each(dashboards.map((d) => [d.file, d] as const))('%s: has the datasource, namespace and model variables, and uses no other but its own and Grafana\'s', (_file, d) => {
    const vars = d.templating.list;
    expect(vars[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    expect(vars.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'namespace', 'model']));
    for (const v of vars.filter((x) => x.type === 'query')) expect({ variable: v.name, datasource: v.datasource?.uid }).toEqual({ variable: v.name, datasource: '${datasource}' });
    const defined = new Set(vars.map((v) => v.name));
    const queries = [...panelQueries(d).map((q) => q.expr), ...variableQueries(d).map((q) => q.query), ...allPanels(d).map((p) => p.title)];
    expect(queries.flatMap(variablesUsed).filter((v) => !defined.has(v) && !GRAFANA_BUILTINS.has(v))).toEqual([]);
    // A panel repeated by a variable needs a variable that can hold several values.
    for (const p of allPanels(d).filter((x) => x.repeat)) expect(vars.find((v) => v.name === p.repeat)).toMatchObject({ multi: true, includeAll: true });
  });

  it.each(dashboards.map((d) => [d.file, d] as const))('%s: reads only metrics docs/metrics.md documents', (_file, d) => {
    const documented = documentedMetrics();
    const used = [...panelQueries(d).map((q) => q.expr), ...variableQueries(d).map((q) => q.query)].flatMap(metricNames);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((m) => !isDocumented(m, documented))).toEqual([]);
  });

  it('finds the metrics of a query and nothing else, so a misspelt one is caught', () => {
    expect(metricNames('histogram_quantile(0.95, sum by (model, role, le) (rate(inference_request_duration_seconds_bucket{namespace="$ns", code=~"5.."}[$__rate_interval])))'))
      .toEqual(['inference_request_duration_seconds_bucket']);
    expect(metricNames('sum(activation_canary_leader) / on (namespace) group_left max by (namespace) (up offset 1h) or vector(0) * activaton_value_count'))
      .toEqual(['activation_canary_leader', 'up', 'activaton_value_count']);
    expect(metricNames('label_values(activation_units_observed_total{namespace="$namespace"}, layer)')).toEqual(['activation_units_observed_total']);
    const documented = documentedMetrics();
    expect(isDocumented('activation_value_bucket', documented)).toBe(true);
    expect(isDocumented('activation_canary_modelvariant_gpus', documented)).toBe(true);
    expect(isDocumented('activaton_value_count', documented)).toBe(false);
    expect(isDocumented('variant', documented)).toBe(false);
  });

  it('substitutes Grafana\'s variable forms and refuses an unknown one', () => {
    expect(substitute('x{a="$a", b=~"${b}", c="${c:regex}", d="[[d]]"}[$__rate_interval]', { a: '1', b: '2', c: '3', d: '4', __rate_interval: '1m' }))
      .toBe('x{a="1", b=~"2", c="3", d="4"}[1m]');
    expect(() => substitute('x{a="$nope"}', {})).toThrow(/no value for \$nope/);
  });
});
