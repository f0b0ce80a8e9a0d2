/**
 * What the operator's JSON log (pino, `--log-level debug`) says about a fuzz run: each reconcile per
 * ModelVariant with its time and outcome (the "Reconciled" line of src/cli/operator.ts), reconciles
 * that threw ("Reconcile failed; backing off"), error and fatal lines, and anything that is not a JSON
 * line at all (an uncaught exception's stack trace), plus the queries sent to Prometheus.
 */

export interface ReconcileRecord {
  at: number;
  outcome: string;
}

export interface OperatorLog {
  /** Reconciles by `namespace/name`, oldest first. */
  reconciles: Map<string, ReconcileRecord[]>;
  /** "Reconcile failed" lines: key and error. */
  reconcileErrors: { key: string; err: string }[];
  /** Lines at level error (50) or fatal (60). */
  errors: string[];
  /** Lines that are not JSON (stack traces of an uncaught exception, Node warnings). */
  foreign: string[];
  /** PromQL the operator sent to (or tried to send to) Prometheus. */
  queries: string[];
}

interface PinoLine {
  level?: number;
  time?: number;
  msg?: string;
  modelVariant?: string;
  key?: string;
  outcome?: string;
  err?: string;
  query?: string;
}

/** Parses the operator's log text. */
export function parseOperatorLog(text: string): OperatorLog {
  const log: OperatorLog = { reconciles: new Map(), reconcileErrors: [], errors: [], foreign: [], queries: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    let entry: PinoLine;
    try {
      entry = JSON.parse(line) as PinoLine;
    } catch {
      log.foreign.push(line.slice(0, 500));
      continue;
    }
    if (entry.msg === 'Reconciled' && entry.modelVariant && entry.time !== undefined) {
      const list = log.reconciles.get(entry.modelVariant) ?? [];
      list.push({ at: entry.time, outcome: entry.outcome ?? '' });
      log.reconciles.set(entry.modelVariant, list);
    }
    if (entry.msg === 'Reconcile failed; backing off') log.reconcileErrors.push({ key: entry.key ?? '', err: String(entry.err ?? '').slice(0, 500) });
    if ((entry.level ?? 0) >= 50) log.errors.push(line.slice(0, 500));
    if (entry.query !== undefined && /Prometheus/.test(entry.msg ?? '')) log.queries.push(entry.query);
  }
  return log;
}

/** Reconciles of `key` at or after `from` and before `to` (milliseconds since the epoch). */
export function reconcilesBetween(log: OperatorLog, key: string, from: number, to: number): ReconcileRecord[] {
  return (log.reconciles.get(key) ?? []).filter((r) => r.at >= from && r.at < to);
}
