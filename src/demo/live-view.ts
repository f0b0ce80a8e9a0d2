/**
 * The demo's live view, pure: a ModelVariant's status (and what the clients saw) rendered as lines —
 * phase, step and weights, each SLI's canary and stable value against its threshold with its verdict,
 * the burn rate, and the message that explains the phase. Colour only when asked (a terminal).
 */
import type { ModelVariant } from '../api/types.ts';
import type { TrafficStats } from './traffic.ts';

const ANSI = { green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', bold: '\x1b[1m', dim: '\x1b[2m', reset: '\x1b[0m' };
type Colour = keyof typeof ANSI;

export function renderLiveView(mv: ModelVariant, traffic: TrafficStats, colour: boolean): string[] {
  const paint = (c: Colour, text: string) => (colour ? `${ANSI[c]}${text}${ANSI.reset}` : text);
  const verdictColour = (v: string | undefined): Colour => (v === 'Successful' ? 'green' : v === 'Failed' ? 'red' : 'yellow');
  const s = mv.status ?? {};
  const steps = mv.spec.strategy?.steps ?? [];
  const phaseColour: Colour = s.phase === 'Healthy' ? 'green' : s.phase === 'Degraded' ? 'red' : 'yellow';
  const lines = [
    `${paint('bold', `modelvariant ${mv.metadata?.namespace}/${mv.metadata?.name}`)}  phase ${paint(phaseColour, s.phase ?? '—')}` +
      `  stable ${s.stableActivation ?? '—'}  canary ${s.canaryActivation || '—'}  weight ${s.canaryWeight ?? 0}%`,
    `steps    ${steps.map((st, i) => {
      const text = `${st.setWeight}%${st.pause ? `/${st.pause}` : ''}`;
      return s.canaryActivation && i === (s.currentStepIndex ?? 0) ? paint('bold', `[${text}]`) : ` ${text} `;
    }).join(' → ')}`,
    `message  ${s.message ?? ''}`,
  ];
  const slis = s.analysis?.slis ?? [];
  if (slis.length > 0) {
    lines.push(paint('dim', `  ${'SLI'.padEnd(16)}${'canary'.padStart(10)}${'stable'.padStart(10)}  ${'threshold'.padEnd(22)}verdict`));
    for (const sli of slis) {
      lines.push(`  ${sli.name.padEnd(16)}${(sli.canaryValue ?? '—').slice(0, 9).padStart(10)}${(sli.stableValue ?? '—').slice(0, 9).padStart(10)}  ` +
        `${(sli.threshold ?? '').padEnd(22)}${paint(verdictColour(sli.verdict), sli.verdict ?? '—')}${sli.verdict === 'Successful' ? '' : ` (${sli.reason ?? ''})`}`);
    }
  }
  const burn = s.analysis?.burnRate;
  if (burn) {
    lines.push(`  burn rate: short ${burn.short ?? '—'} long ${burn.long ?? '—'} (threshold ${burn.threshold ?? '—'}×)  ` +
      `budget left ${burn.budgetRemaining ?? '—'}  ${paint(verdictColour(burn.verdict), burn.verdict ?? '—')}`);
  }
  if (s.analysis?.verdict) lines.push(`  analysis ${paint(verdictColour(s.analysis.verdict), s.analysis.verdict)} at ${s.analysis.lastRunAt ?? '—'}`);
  const share = (role: string) => traffic.requests ? Math.round((100 * (traffic.byRole[role] ?? 0)) / traffic.requests) : 0;
  lines.push(paint('dim', `clients  ${traffic.requests} requests (${share('stable')}% stable, ${share('canary')}% canary), ${traffic.errors} errors`));
  return lines;
}

/** A one-line summary of what changed, for headless output. */
export function transitionLine(mv: ModelVariant): string {
  const s = mv.status ?? {};
  const analysis = s.analysis?.verdict ? ` analysis ${s.analysis.verdict}` : '';
  return `${s.phase ?? '—'} step ${(s.currentStepIndex ?? 0) + 1} weight ${s.canaryWeight ?? 0}%${analysis}: ${s.message ?? ''}`;
}
