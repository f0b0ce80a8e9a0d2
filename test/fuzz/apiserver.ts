/**
 * Sends a fuzz case to the real apiserver as the JSON text it is (duplicate keys and raw literals
 * included, which a typed client would normalise away), and classifies the answer: accepted, refused
 * with a message that names a field (`spec.x.y`, `metadata.name`), refused without one, or a server
 * error (5xx), which is never acceptable.
 */
import { request } from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/types.ts';
import type { FieldValidation, FuzzCase } from './generate.ts';

/**
 * `undecodable`: the JSON decoder refused the text before any schema applied (a number literal no
 * float64 holds, `1e400`); `tooLarge`: the body exceeds the apiserver's 3 MiB request limit (413), or
 * the object is too large to store (TOO_LARGE_TO_STORE: the apiserver answers 500). Both are the
 * apiserver's own limits, outside what the CRD can express.
 */
export type Verdict = 'accepted' | 'refusedNamed' | 'refusedUnnamed' | 'undecodable' | 'tooLarge' | 'serverError';

export interface ApiAnswer {
  code: number;
  verdict: Verdict;
  /** The Status message of a refusal. */
  message?: string;
  /** The stored (or, with dry run, would-be stored) object of an accepted case. */
  object?: { metadata?: { generation?: number; uid?: string }; spec?: unknown };
}

interface StatusBody {
  kind?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

/** A field path as the apiserver writes it: `spec.…`, `metadata.…`, `.spec.…`, or a quoted `"spec.…"` of a decoding error. */
const FIELD_PATH = /(?:^|[\s"'(:*[,])\.?(?:spec|metadata)(?=[.[\s"':,)\]]|$)/;

/**
 * True when the refusal names the field: the apiserver's path of a cause (`details.causes[].field`,
 * which it prints as `<nil>` when a rule has none), or, for a refusal without causes (a decoding
 * error), a path in the message.
 */
export function namesField(body: StatusBody): boolean {
  const causes = body.details?.causes ?? [];
  if (causes.length > 0) return causes.some((c) => !!c.field && FIELD_PATH.test(` ${c.field}`));
  return FIELD_PATH.test(body.message ?? '');
}

/**
 * The apiserver's 500 for an object too large to store: etcd's own request limit (1.5 MiB), or the gRPC
 * limit of the apiserver's etcd client (2 MiB) before that.
 */
export const TOO_LARGE_TO_STORE = /etcdserver: request is too large|ResourceExhausted desc = trying to send message larger than max/;

/** The apiserver's limit on a request body (413 above it). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** POSTs raw JSON text to `path` of the apiserver `kc` points at. */
export function postRaw(kc: k8s.KubeConfig, path: string, text: string): Promise<{ code: number; body: string }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const options: import('node:https').RequestOptions = {
    method: 'POST', hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
  };
  return kc.applyToHTTPSOptions(options).then(() => new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('the apiserver did not answer within 60 s')));
    req.on('error', reject);
    req.end(text);
  }));
}

/** The collection URL of ModelVariants in `namespace`, with dry run and field validation as asked. */
export function createPath(namespace: string, opts: { dryRun: boolean; fieldValidation: FieldValidation }): string {
  const query = new URLSearchParams({ fieldValidation: opts.fieldValidation, ...(opts.dryRun ? { dryRun: 'All' } : {}) });
  return `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}?${query}`;
}

/** Creates `c` in `namespace` (only validated with `dryRun`) and classifies the answer. */
export async function sendCase(kc: k8s.KubeConfig, namespace: string, c: FuzzCase, dryRun: boolean): Promise<ApiAnswer> {
  let answer: { code: number; body: string };
  try {
    answer = await postRaw(kc, createPath(namespace, { dryRun, fieldValidation: c.fieldValidation }), c.text);
  } catch (err) {
    // The apiserver answers 413 to a body over 3 MiB and may close the connection while it is still being written.
    const bytes = Buffer.byteLength(c.text);
    if (bytes > MAX_REQUEST_BYTES) return { code: 413, verdict: 'tooLarge', message: `connection closed while sending ${bytes} bytes: ${String(err)}` };
    return { code: 0, verdict: 'serverError', message: `no answer: ${String(err)}` };
  }
  const { code, body } = answer;
  let parsed: StatusBody & ApiAnswer['object'] = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    parsed = { message: body.slice(0, 2000) };
  }
  if (code >= 200 && code < 300) return { code, verdict: 'accepted', object: parsed };
  const message = parsed.message ?? body.slice(0, 2000);
  if (code === 413 || (code === 500 && TOO_LARGE_TO_STORE.test(message))) return { code, verdict: 'tooLarge', message };
  if (code >= 500) return { code, verdict: 'serverError', message };
  if (code === 400 && /cannot be handled as a \w+: json: cannot unmarshal number/.test(message)) return { code, verdict: 'undecodable', message };
  return { code, verdict: namesField(parsed) ? 'refusedNamed' : 'refusedUnnamed', message };
}
