import { describe, expect, it } from '@jest/globals';
import { SIGNAL_ANNOTATION } from '../../api/types.ts';
import { painter, plain, stripAnsi } from './colour.ts';
import { renderHeader, renderModelVariant, renderSteps, stepLabel } from './render-get.ts';
import { NOW, degraded, event, healthy, progressing } from './test-fixtures.ts';

const opts = { now: NOW, paint: plain };

describe('get: a canary Progressing at step 2 of 3', () => {
  it('renders the header, the steps with an arrow on step 2, the SLIs, the burn rate, conditions and events', () => {
    const events = [event('sentiment.1', 'RolloutStarted', 'canary gelu started', 250), event('sentiment.2', 'StepWeightReached', 'step 2/3: 25% reached', 70)];
    expect(renderModelVariant(progressing(), events, opts)).toEqual([
      'Name:         sentiment',
      'Namespace:    ml',
      'Activation:   gelu',
      'Stable:       relu',
      'Canary:       gelu',
      'Phase:        Progressing',
      'Traffic:      replicas (the ratio of ready pods)',
      'Weight:       25%',
      'Step:         2/3',
      '                1   5%    pause 2m',
      '              → 2   25%   pause 5m',
      '                3   50%   wait for promote',
      'Rollout:      started 4m10s ago, step started 100s ago, weight reached 70s ago',
      'Message:      step 2/3 at 25%: analysis Successful, 3m50s of the 5m pause left',
      '',
      'Analysis:     Successful, last run 12s ago (0 failed, 0 inconclusive in a row)',
      'SLIs:',
      '  NAME         CANARY     STABLE   THRESHOLD                  VERDICT      REASON         SAMPLES   WINDOW   MEASURED',
      '  saturation   0.004123   0.0038   <= 0.01                    Successful   WithinBounds   1200      1m       12s',
      '  latencyP95   0.182      0.171    <= 0.25, <= 1.2 × stable   Successful   WithinBounds   1200      1m       12s',
      '  accuracy     0.934      0.931    >= 0.9                     Successful   WithinBounds   640       5m       12s',
      'Burn rate:    short 0.4 (1m)   long 0.21 (5m)   threshold 14.4   budget left 0.93   Successful (WithinBudget)',
      '',
      'Conditions:',
      '  TYPE          STATUS   REASON            AGE     MESSAGE',
      '  Available     True     StableAvailable   3h      stable relu has 3/3 replicas ready',
      '  Progressing   True     StepPaused        70s     step 2/3 at 25%',
      '  Degraded      False    NotDegraded       4m10s   no rollback in effect',
      '',
      'Events:',
      '  AGE     TYPE     REASON              MESSAGE',
      '  4m10s   Normal   RolloutStarted      canary gelu started',
      '  70s     Normal   StepWeightReached   step 2/3: 25% reached',
    ]);
  });

  it('says when the operator has not caught up with a newer generation or a signal', () => {
    const mv = progressing();
    mv.metadata = { ...mv.metadata, generation: 4, annotations: { [SIGNAL_ANNOTATION]: 'promote@2026-11-28T13:59:00Z' } };
    const text = renderHeader(mv, opts).join('\n');
    expect(text).toContain('Activation:   gelu   (status describes generation 3 of 4: the operator has not caught up)');
    expect(text).toContain('Signal:       promote@2026-11-28T13:59:00Z (pending: the operator has not acted on it yet)');
    mv.status = { ...mv.status, handledSignal: 'promote@2026-11-28T13:59:00Z' };
    expect(renderHeader(mv, opts).join('\n')).toContain('Signal:       promote@2026-11-28T13:59:00Z (handled)');
  });

  it('colours the phase and verdicts on a terminal, and lines up the same as plain text', () => {
    const coloured = renderModelVariant(progressing(), [], { now: NOW, paint: painter(true) });
    expect(coloured.find((l) => l.startsWith('Phase:'))).toContain('\x1b[33m');
    expect(coloured.map(stripAnsi)).toEqual(renderModelVariant(progressing(), [], opts));
  });
});

describe('get: a canary rolled back by a failed SLI', () => {
  const lines = renderModelVariant(degraded(), [event('sentiment.9', 'RolledBack', 'canary gelu rolled back (AnalysisFailed)', 30, 'Warning')], opts);

  it('shows the phase, the failed SLI with its value and threshold, and why', () => {
    expect(lines).toContain('Phase:        Degraded');
    expect(lines).toContain('Weight:       0%');
    expect(lines).toContain('Rollout:      started 4m10s ago');
    expect(lines).toContain('Analysis:     Failed, last run 30s ago (1 failed, 0 inconclusive in a row)');
    expect(lines).toContain('  accuracy     0.82     0.931    >= 0.9      Failed         BelowMin       640       5m       30s');
    expect(lines).toContain('  ! accuracy: canary 0.82 is below the minimum 0.9 over 5m (640 samples)');
    expect(lines).toContain('  ! nans: no data for the canary over 1m');
    expect(lines).toContain('  nans         —        —        <= 0        Inconclusive   NoData         —         1m       30s');
  });

  it('shows the Degraded condition and the Warning event', () => {
    expect(lines.some((l) => /^ {2}Degraded +True +AnalysisFailed +30s +rolled back to relu: SLI accuracy failed/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}30s +Warning +RolledBack +canary gelu rolled back/.test(l))).toBe(true);
    expect(lines).toContain('Burn rate:    <not judged>');
  });
});

describe('get: a Healthy ModelVariant after promotion', () => {
  it('shows no canary, no current step and no analysis', () => {
    const lines = renderModelVariant(healthy(), [], opts);
    expect(lines.slice(0, 13)).toEqual([
      'Name:         sentiment',
      'Namespace:    ml',
      'Activation:   gelu',
      'Stable:       gelu',
      'Canary:       —',
      'Phase:        Healthy',
      'Traffic:      replicas (the ratio of ready pods)',
      'Weight:       0%',
      'Step:         —',
      '                1   5%    pause 2m',
      '                2   25%   pause 5m',
      '                3   50%   wait for promote',
      'Message:      stable gelu serving',
    ]);
    expect(lines).toContain('Analysis:     <none>');
    expect(lines).toContain('Events:       <none>');
  });

  it('explains a missing status instead of showing blanks', () => {
    const mv = healthy();
    delete mv.status;
    expect(renderHeader(mv, opts)).toContain('Phase:        —   (no status yet: the operator has not reconciled this ModelVariant; is it running?)');
  });
});

describe('steps', () => {
  it('fall back to the CRD default when the spec has none', () => {
    const mv = healthy();
    mv.spec = { ...mv.spec, strategy: {} };
    expect(renderSteps(mv, plain)).toEqual(['                1   50%   pause 1m']);
  });

  it('show 0% weight once there is a status without a canary weight', () => {
    const mv = healthy();
    delete mv.status?.canaryWeight;
    expect(renderHeader(mv, opts)).toContain('Weight:       0%');
  });

  it('are labelled i/n only while a canary runs', () => {
    expect(stepLabel(progressing())).toBe('2/3');
    expect(stepLabel(healthy())).toBe('—');
  });
});

describe('get: what a rollout changes', () => {
  it('names both revisions and the change in words', () => {
    const mv = progressing();
    mv.status = { ...mv.status, stableRevision: '1a2b3c4d5e', canaryRevision: '9f8e7d6c5b', change: 'image reg/m:1 → reg/m:2; activation relu → gelu' };
    const lines = renderHeader(mv, opts);
    expect(lines).toContain('Stable:       relu (revision 1a2b3c4d5e)');
    expect(lines).toContain('Canary:       gelu (revision 9f8e7d6c5b)');
    expect(lines).toContain('Change:       image reg/m:1 → reg/m:2; activation relu → gelu');
  });
});

describe('get: the traffic route and its steps', () => {
  it('names the route, and shows header-route and mirror steps in words', () => {
    const mv = progressing();
    mv.spec.traffic = { provider: 'gatewayAPI', gatewayAPI: { httpRoute: 'shop', port: 8080 } };
    mv.spec.strategy = { steps: [{ setHeaderRoute: { name: 'x-activation-variant', value: 'canary' }, pause: '2m' }, { setMirror: { percent: 20 }, pause: '5m' }, { setWeight: 5 }] };
    const lines = renderModelVariant(mv, [], opts);
    expect(lines).toContain('Traffic:      gatewayAPI, HTTPRoute shop');
    expect(lines.join('\n')).toContain('header x-activation-variant: canary');
    expect(lines.join('\n')).toContain('mirror 20%');
    expect(lines.join('\n')).not.toContain('undefined');
    mv.spec.traffic = { provider: 'istio', istio: { hosts: ['sentiment.example.com'] } };
    expect(renderModelVariant(mv, [], opts)).toContain('Traffic:      istio, VirtualService sentiment (managed by the operator)');
  });
});
