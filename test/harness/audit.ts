/**
 * Who asked the apiserver for what, read from its audit log (audit-policy.ts: one JSON line per
 * completed request, Metadata level). Tests share one control plane, so they tell an operator's
 * requests apart by its user name (`startOperator({ user })`) and by namespace, and count them by
 * verb and resource: "no write for a Healthy ModelVariant over several resyncs", "at most N patches per
 * rollout step". Before reading, `readAuditEvents` makes a request of its own and waits until the log
 * shows it, so every request that completed before the call is in what it returns.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { clusterState, kubeConfig } from './env.ts';

/** One request, as the audit log recorded it once its response was complete. */
export interface AuditEvent {
  auditID: string;
  user: string;
  groups: string[];
  verb: string;
  /** '' for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The HTTP status code of the response. */
  code?: number;
  /** When the apiserver received the request and when it completed it (ms since the epoch). */
  receivedAt: number;
  completedAt: number;
  userAgent?: string;
  requestURI: string;
}

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export const READ_VERBS = ['get', 'list', 'watch'] as const;

export interface AuditFilter {
  /** Only requests received at or after this time. */
  since?: Date | number;
  /** Only requests received before this time. */
  until?: Date | number;
  /** Only requests by this user (or any of these users). */
  user?: string | readonly string[];
  /** Only requests on objects in this namespace (or on this namespace object itself). */
  namespace?: string;
  /** Only these verbs (e.g. WRITE_VERBS). */
  verbs?: readonly string[];
  /** Only these resources: `deployments` matches any of its subresources, `modelvariants/status` only that one. */
  resources?: readonly string[];
}

/** Raw audit.k8s.io/v1 Event, the fields read here. */
interface RawEvent {
  auditID?: string;
  stage?: string;
  verb?: string;
  requestURI?: string;
  user?: { username?: string; groups?: string[] };
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

const ms = (t: Date | number | undefined) => (t === undefined ? undefined : typeof t === 'number' ? t : t.getTime());

/** The audit events of resource requests in JSON-lines `text` (other stages and malformed lines are skipped). */
export function parseAuditLog(text: string): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let raw: RawEvent;
    try {
      raw = JSON.parse(line) as RawEvent;
    } catch {
      continue; // a line being written while we read
    }
    if (raw.stage !== 'ResponseComplete' || !raw.objectRef?.resource) continue;
    const ref = raw.objectRef;
    events.push({
      auditID: raw.auditID ?? '',
      user: raw.user?.username ?? '',
      groups: raw.user?.groups ?? [],
      verb: raw.verb ?? '',
      apiGroup: ref.apiGroup ?? '',
      resource: ref.resource ?? '',
      ...(ref.subresource ? { subresource: ref.subresource } : {}),
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      ...(ref.name ? { name: ref.name } : {}),
      ...(raw.responseStatus?.code !== undefined ? { code: raw.responseStatus.code } : {}),
      receivedAt: Date.parse(raw.requestReceivedTimestamp ?? raw.stageTimestamp ?? ''),
      completedAt: Date.parse(raw.stageTimestamp ?? ''),
      ...(raw.userAgent ? { userAgent: raw.userAgent } : {}),
      requestURI: raw.requestURI ?? '',
    });
  }
  return events;
}

/** `verb resource[/subresource]`, e.g. `patch modelvariants/status`. */
export const requestKey = (e: Pick<AuditEvent, 'verb' | 'resource' | 'subresource'>) =>
  `${e.verb} ${e.resource}${e.subresource ? `/${e.subresource}` : ''}`;

export const isWrite = (e: Pick<AuditEvent, 'verb'>) => (WRITE_VERBS as readonly string[]).includes(e.verb);

export function matchesFilter(e: AuditEvent, f: AuditFilter): boolean {
  const since = ms(f.since);
  const until = ms(f.until);
  if (since !== undefined && e.receivedAt < since) return false;
  if (until !== undefined && e.receivedAt >= until) return false;
  if (f.user !== undefined && !(typeof f.user === 'string' ? [f.user] : f.user).includes(e.user)) return false;
  if (f.namespace !== undefined && e.namespace !== f.namespace && !(e.resource === 'namespaces' && e.name === f.namespace)) return false;
  if (f.verbs && !f.verbs.includes(e.verb)) return false;
  if (f.resources && !f.resources.some((r) => (r.includes('/') ? r === `${e.resource}/${e.subresource ?? ''}` : r === e.resource))) return false;
  return true;
}

/** Counts by `verb resource[/subresource]`, keys sorted (so a failed `toEqual` reads well). */
export function countByRequest(events: readonly AuditEvent[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(requestKey(e), (counts.get(requestKey(e)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function auditLogPath(): string {
  const file = clusterState().auditLog;
  if (!file) throw new Error('this cluster predates the audit log: restart it (make cluster-down cluster-up)');
  return file;
}

function readFrom(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a request the log will show (a GET of a ConfigMap that does not exist, as the admin) and waits
 * until it is there: requests that completed before this call are then in the log too.
 */
export async function flushAuditLog(timeoutMs = 10_000): Promise<void> {
  const file = auditLogPath();
  const offset = existsSync(file) ? statSync(file).size : 0;
  const marker = `audit-barrier-${randomBytes(6).toString('hex')}`;
  await kubeConfig().makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ namespace: 'default', name: marker }).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (!readFrom(file, offset).includes(marker)) {
    if (Date.now() > deadline) throw new Error(`the audit log ${file} did not show a request within ${timeoutMs} ms: is kube-apiserver writing it?`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The audit events matching `filter`, oldest request first (after flushAuditLog). */
export async function readAuditEvents(filter: AuditFilter = {}): Promise<AuditEvent[]> {
  await flushAuditLog();
  const text = readFileSync(auditLogPath(), 'utf8');
  // Parse only lines that can match: the log holds every test's requests.
  const needles = [
    ...(filter.user === undefined ? [] : [typeof filter.user === 'string' ? [filter.user] : filter.user]),
    ...(filter.namespace === undefined ? [] : [[filter.namespace]]),
  ].map((alternatives) => alternatives.map((s) => JSON.stringify(s)));
  const lines = needles.length === 0 ? text : text.split('\n').filter((l) => needles.every((alts) => alts.some((n) => l.includes(n)))).join('\n');
  return parseAuditLog(lines).filter((e) => matchesFilter(e, filter)).sort((a, b) => a.receivedAt - b.receivedAt);
}

/** Requests matching `filter`, counted by `verb resource[/subresource]`: `{ 'patch modelvariants/status': 2 }`. */
export async function countRequests(filter: AuditFilter = {}): Promise<Record<string, number>> {
  return countByRequest(await readAuditEvents(filter));
}

/** Write requests (create, update, patch, delete) matching `filter`, counted like countRequests. */
export async function countWrites(filter: AuditFilter = {}): Promise<Record<string, number>> {
  return countRequests({ ...filter, verbs: filter.verbs ?? WRITE_VERBS });
}
