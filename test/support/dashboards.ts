/**
 * The chart's Grafana dashboards as tests read them: every JSON file of charts/activation-canary/dashboards/,
 * every panel (a row's nested panels included), every panel query and variable query with the template
 * variables substituted as Grafana would for one namespace, model and layer, and the metric names a
 * query reads, to hold them against docs/metrics.md. No Grafana runs here: the queries go to a real
 * Prometheus in test/integration/dashboards.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/binaries.ts';

export const DASHBOARD_DIR = join(REPO_ROOT, 'charts', 'activation-canary', 'dashboards');

export interface Target { refId: string; expr: string; instant?: boolean; format?: string; datasource?: { uid?: string } }
export interface Panel { id: number; type: string; title: string; datasource?: { type?: string; uid?: string }; targets?: Target[]; panels?: Panel[]; repeat?: string; gridPos?: { h: number; w: number; x: number; y: number } }
export interface Variable { name: string; type: string; query?: string | { query: string }; datasource?: { type?: string; uid?: string }; multi?: boolean; includeAll?: boolean; allValue?: string }
export interface Dashboard { file: string; uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } }

/** Every dashboard, parsed (a file that is not JSON throws, naming it). */
export function loadDashboards(): Dashboard[] {
  return readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
    const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
    try {
      return { ...(JSON.parse(text) as Omit<Dashboard, 'file'>), file };
    } catch (err) {
      throw new Error(`${file} is not valid JSON: ${String(err)}`, { cause: err });
    }
  });
}

/** The dashboard's panels, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface PanelQuery { dashboard: string; panel: string; refId: string; expr: string; instant: boolean }

/** Every query of every panel. */
export function panelQueries(d: Dashboard): PanelQuery[] {
  return allPanels(d).flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: d.file, panel: p.title, refId: t.refId, expr: t.expr, instant: t.instant === true })));
}

/** The PromQL of a query variable (`label_values(<selector>, <label>)`), by variable name. */
export function variableQueries(d: Dashboard): { name: string; query: string }[] {
  return d.templating.list.filter((v) => v.type === 'query').map((v) => ({ name: v.name, query: typeof v.query === 'string' ? v.query : v.query?.query ?? '' }));
}

/** Grafana's built-in variables a query may use. */
export const GRAFANA_BUILTINS = new Set(['__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms']);

/** The names of the variables a query uses: `$x`, `${x}`, `${x:format}` or `[[x]]`. */
export function variablesUsed(expr: string): string[] {
  return [...expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** The query with every variable replaced by its value (an unknown one throws, naming it). */
export function substitute(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (_m, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for $${name} in ${expr}`);
    return value;
  });
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'changes', 'resets', 'deriv', 'abs', 'ceil', 'floor', 'round', 'clamp', 'clamp_min', 'clamp_max',
  'histogram_quantile', 'label_values', 'label_replace', 'label_join', 'vector', 'scalar', 'time', 'timestamp', 'absent', 'absent_over_time',
  'sort', 'sort_desc', 'min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'present_over_time',
  'sgn', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'inf', 'nan', 'Inf', 'NaN',
]);

/**
 * The metric names a query reads: the identifiers left once strings, label matchers, ranges, the label
 * lists of by/without/on/ignoring/group_left/group_right and PromQL's own words are taken out. So a
 * misspelt metric is found whether or not it has a selector.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ')
    .replace(/label_values\(([^,]*),[^)]*\)/g, 'label_values($1)');
  const ids = [...bare.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)].map((m) => m[0]);
  return [...new Set(ids.filter((id) => !PROMQL_WORDS.has(id)))];
}

/** The metric names docs/metrics.md documents: the first cell of every table row whose second is a metric type. */
export function documentedMetrics(): Set<string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| `([a-z_:][a-z0-9_:]*)` \| (?:counter|gauge|histogram|summary) \|/gm)].map((m) => m[1] ?? ''));
}

/** True when `name` is documented, a histogram's `_bucket`, `_count` or `_sum` counting as its histogram. */
export function isDocumented(name: string, documented: Set<string>): boolean {
  return documented.has(name) || documented.has(name.replace(/_(bucket|count|sum)$/, ''));
}
