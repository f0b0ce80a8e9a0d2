/**
 * The chart's PrometheusRule, as users get it: rendered by helm (scripts/alert-rules.ts extracts
 * spec.groups into a plain rule file), checked by `promtool check rules`, and run against the promtool
 * unit tests of test/alert-rules/ (cases that fire and cases that must not, for every alert). The tests
 * must be able to fail: a rule broken on purpose fails them. The values reach the rules (objective,
 * stuckRolloutAfter, labels, runbookBaseURL), and the chart passes `helm lint --strict` with it enabled.
 */
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { RULE_TEST_VALUES, RULE_TESTS, renderRuleFile, runPromtool } from '../../scripts/alert-rules.ts';
import { helmBinary } from '../../scripts/gen-deploy.ts';
import { REPO_ROOT } from '../harness/binaries.ts';

interface Rule { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
interface RuleFile { groups: { name: string; rules: Rule[] }[] }
interface AlertTest { alertname: string; exp_alerts?: unknown[] }
interface PromtoolTests { tests: { name: string; alert_rule_test?: AlertTest[] }[] }

const CHART = join(REPO_ROOT, 'charts', 'activation-canary');
const rulesOf = (file: string) => (parse(file) as RuleFile).groups.flatMap((g) => g.rules);
const alertsOf = (file: string) => rulesOf(file).filter((r) => r.alert);

describe('the PrometheusRule', () => {
  const tested = renderRuleFile(RULE_TEST_VALUES);

  it('passes promtool check rules and every promtool unit test', () => {
    const { check, test } = runPromtool(tested);
    expect({ ok: check.ok, output: check.output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
    expect({ ok: test.ok, output: test.output }).toEqual({ ok: true, output: expect.stringContaining('SUCCESS') });
  });

  it('has a promtool case where each alert fires and one where it must not', () => {
    const cases = (parse(readFileSync(RULE_TESTS, 'utf8')) as PromtoolTests).tests.flatMap((t) => t.alert_rule_test ?? []);
    const names = alertsOf(tested).map((r) => r.alert);
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const mine = cases.filter((c) => c.alertname === name);
      expect({ name, fires: mine.some((c) => (c.exp_alerts ?? []).length > 0), quiet: mine.some((c) => (c.exp_alerts ?? []).length === 0) })
        .toEqual({ name, fires: true, quiet: true });
    }
  });

  // Each mutation breaks one rule the way a careless edit would; the unit tests must notice.
  it.each([
    ['a fast-burn threshold of 16 instead of 14.4', '(14.4 *', '(16 *'],
    ['a slow burn judged on 5m instead of 30m', 'ratio_rate30m > (6 *', 'ratio_rate5m > (6 *'],
    ['non-finite answers left out of the bad requests', 'rate(inference_nonfinite_requests_total', 'rate(inference_nonfinite_predictions_total'],
    ['4xx counted as bad', 'code=~"5.."', 'code=~"[45].."'],
    ['no guard for a ModelVariant created a moment ago', ' offset 1h)', ')'],
    ['NoLeader without waiting 5 minutes', /(alert: ActivationCanaryNoLeader\n[\s\S]*?for: )5m/, (_m: string, head: string) => `${head}1m`],
  ] as const)('fails its unit tests with %s', (_what, from, to) => {
    const broken = typeof from === 'string' ? tested.replaceAll(from, to as string) : tested.replace(from, to as (m: string, head: string) => string);
    expect(broken).not.toBe(tested);
    const { test } = runPromtool(broken);
    expect(test.ok).toBe(false);
    expect(test.output).toContain('FAILED');
  });

  it('gives every alert a severity, a summary, a description and its runbook URL', () => {
    for (const rule of alertsOf(tested)) {
      expect({ alert: rule.alert, severity: rule.labels?.severity, runbook: rule.annotations?.runbook_url }).toEqual({
        alert: rule.alert, severity: expect.stringMatching(/^(critical|warning)$/),
        runbook: `https://runbooks.example.com/activation-canary/${rule.alert?.toLowerCase()}`,
      });
      expect(rule.annotations?.summary?.length).toBeGreaterThan(20);
      expect(rule.annotations?.description?.length).toBeGreaterThan(150);
    }
    expect(alertsOf(renderRuleFile()).filter((r) => r.annotations?.runbook_url)).toEqual([]);
    const anchored = alertsOf(renderRuleFile({ 'prometheusRule.runbookBaseURL': 'https://example.com/docs/observability.md#' }));
    expect(anchored.map((r) => r.annotations?.runbook_url)).toEqual(anchored.map((r) => `https://example.com/docs/observability.md#${r.alert?.toLowerCase()}`));
  });

  it('takes the objective and stuckRolloutAfter from values, and leaves NoLeader out without leader election', () => {
    const custom = renderRuleFile({ 'prometheusRule.objective': '0.999', 'prometheusRule.stuckRolloutAfter': '3h' });
    const burns = alertsOf(custom).filter((r) => r.alert?.startsWith('ModelErrorBudgetBurn'));
    expect(burns.map((r) => r.expr.match(/\(1 - [0-9.]+\)/g))).toEqual(Array(3).fill(['(1 - 0.999)', '(1 - 0.999)']));
    const stuck = alertsOf(custom).find((r) => r.alert === 'ActivationCanaryRolloutStuck');
    expect(stuck?.expr).toContain('[3h]');
    expect(stuck?.expr).toContain('offset 3h');
    expect(stuck?.annotations?.summary).toContain('has not moved for 3h');
    const single = renderRuleFile({ 'leaderElection.enabled': 'false', replicas: '1' });
    expect(alertsOf(single).map((r) => r.alert)).not.toContain('ActivationCanaryNoLeader');
    expect(alertsOf(tested).map((r) => r.alert)).toContain('ActivationCanaryNoLeader');
  });

  it('selects the operator by the job of its metrics Service and the release namespace', () => {
    const custom = renderRuleFile({ fullnameOverride: 'ops-canary' });
    const down = alertsOf(custom).find((r) => r.alert === 'ActivationCanaryOperatorDown');
    expect(down?.expr).toContain('up{job="ops-canary-metrics", namespace="activation-canary"}');
  });

  it('names the job after the metrics Service the chart renders, for the longest full name too', () => {
    const longest = `ml-platform-${'x'.repeat(44)}-canary`;
    expect(longest).toHaveLength(63);
    const service = parseAllDocuments(execFileSync(helmBinary(), ['template', 'rel', CHART, '-n', 'activation-canary', '--set', `fullnameOverride=${longest}`,
      '--show-only', 'templates/service.yaml'], { encoding: 'utf8' })).map((d) => d.toJS() as { metadata: { name: string } })[0];
    expect(service?.metadata.name.length).toBeLessThanOrEqual(63);
    const down = alertsOf(renderRuleFile({ fullnameOverride: longest })).find((r) => r.alert === 'ActivationCanaryOperatorDown');
    expect(down?.expr).toContain(`up{job="${service?.metadata.name}", namespace="activation-canary"}`);
  });

  it('is rendered only when enabled, with the extra labels, and passes helm lint --strict', () => {
    const helm = helmBinary();
    const render = (...set: string[]) => parseAllDocuments(execFileSync(helm, ['template', 'rel', CHART, '-n', 'ops', ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' }))
      .map((d) => d.toJS() as { kind?: string; metadata?: { labels?: Record<string, string> } }).filter((d) => d?.kind === 'PrometheusRule');
    expect(render()).toEqual([]);
    const [rule] = render('prometheusRule.enabled=true', 'prometheusRule.labels.release=kube-prometheus');
    expect(rule?.metadata?.labels).toMatchObject({ release: 'kube-prometheus', 'app.kubernetes.io/instance': 'rel' });
    expect(execFileSync(helm, ['lint', '--strict', CHART, '--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.runbookBaseURL=https://runbooks.example.com'], { encoding: 'utf8' }))
      .toMatch(/0 chart\(s\) failed/);
  });
});
