/**
 * The demo's live view: the kubectl plugin's rendering of a ModelVariant (header with steps and
 * weights, each SLI's canary and stable value against its threshold, the burn rate) plus what the
 * demo's clients saw; and a one-line summary per change for headless output.
 */
import type { ModelVariant } from '../api/types.ts';
import { renderAnalysis } from '../cli/plugin/render-analysis.ts';
import { renderHeader } from '../cli/plugin/render-get.ts';
import { painter } from '../cli/plugin/colour.ts';
import type { TrafficStats } from './traffic.ts';

export function renderLiveView(mv: ModelVariant, traffic: TrafficStats, colour: boolean, now = Date.now()): string[] {
  const paint = painter(colour);
  const share = (role: string) => (traffic.requests ? Math.round((100 * (traffic.byRole[role] ?? 0)) / traffic.requests) : 0);
  return [
    ...renderHeader(mv, { now, paint }),
    '',
    ...renderAnalysis(mv.status?.analysis, now, paint),
    '',
    paint('dim', `clients: ${traffic.requests} requests (${share('stable')}% to stable pods, ${share('canary')}% to canary pods), ${traffic.errors} errors`),
  ];
}

/** A one-line summary of the status (during an experiment its table in brief), printed by the headless demo whenever it changes. */
export function transitionLine(mv: ModelVariant): string {
  const s = mv.status ?? {};
  const analysis = s.analysis?.verdict ? ` analysis ${s.analysis.verdict}` : '';
  const e = s.experiment;
  if (e && (e.phase === 'Running' || !s.canaryActivation)) {
    const ranked = (e.candidates ?? []).map((c) => `${c.rank ? `#${c.rank} ` : ''}${c.activation} ${c.verdict ?? '—'}`).join(', ');
    return `${s.phase ?? '—'} experiment ${e.phase} (${e.reason ?? '—'})${ranked ? ` [${ranked}]` : ''}: ${e.message ?? s.message ?? ''}`;
  }
  return `${s.phase ?? '—'} step ${(s.currentStepIndex ?? 0) + 1} weight ${s.canaryWeight ?? 0}%${analysis}: ${s.message ?? ''}`;
}
