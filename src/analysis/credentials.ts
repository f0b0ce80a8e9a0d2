/**
 * Which Secrets the operator takes Prometheus credentials from. A ModelVariant names a CA bundle and a
 * bearer token by Secret reference, and the operator can read every Secret of the namespace; without a
 * rule, whoever may write a ModelVariant could make the operator read any Secret there and send it, as
 * a bearer token, to an address of their choosing. So a Secret is used only when its owner marked it
 * with the label PROMETHEUS_CREDENTIALS_LABEL="true"; anything else is a TrustError whose message says
 * how to mark it. Pure: the runner reads the Secret, these functions decide what it may use.
 */
import type { CredentialField, Result, TrustError } from './errors.ts';
import { clip, serverText } from './sanitize.ts';
import type { SecretKeyRef } from './spec.ts';

/** The label a Secret's owner sets to "true" to let the operator use it as Prometheus credentials. */
export const PROMETHEUS_CREDENTIALS_LABEL = 'activationcanary.io/prometheus-credentials';

/** The parts of a Secret read here (a V1Secret from @kubernetes/client-node fits). */
export interface SecretLike {
  metadata?: { labels?: Record<string, string> };
  /** Values are base64, as the API returns them. */
  data?: Record<string, string>;
}

/** The command that marks a Secret, for messages. */
export function labelCommand(namespace: string, name: string): string {
  return `kubectl label secret ${name} -n ${namespace} ${PROMETHEUS_CREDENTIALS_LABEL}=true`;
}

/** The decoded value of `ref.key` (UTF-8), if the Secret is marked for the operator and has the key. */
export function credentialFromSecret(secret: SecretLike, ref: SecretKeyRef, namespace: string, field: CredentialField): Result<string, TrustError> {
  const secretName = `${namespace}/${ref.name}`;
  const mark = secret.metadata?.labels?.[PROMETHEUS_CREDENTIALS_LABEL];
  if (mark !== 'true') {
    const found = mark === undefined ? `has no label ${PROMETHEUS_CREDENTIALS_LABEL}` : `has ${PROMETHEUS_CREDENTIALS_LABEL}=${JSON.stringify(clip(mark, 63))}, not "true"`;
    return { ok: false, error: { code: 'SecretNotMarked', field, secret: secretName, label: PROMETHEUS_CREDENTIALS_LABEL,
      message: `${field}: Secret ${secretName} is not marked as Prometheus credentials (it ${found}), so the operator does not read it; if it is meant for this, mark it: ${labelCommand(namespace, ref.name)}` } };
  }
  const value = secret.data?.[ref.key];
  if (value === undefined) {
    const keys = Object.keys(secret.data ?? {});
    const listed = keys.length === 0 ? 'none' : clip(keys.join(', '), 200);
    return { ok: false, error: { code: 'SecretKeyMissing', field, secret: secretName, key: ref.key,
      message: `${field}: Secret ${secretName} has no key "${ref.key}" (its keys: ${listed}); fix ${field}.key or add the key` } };
  }
  return { ok: true, value: Buffer.from(value, 'base64').toString('utf8') };
}

/** Maps a failure to read the Secret (the client's error, with the HTTP status as `code`) to a TrustError. */
export function secretReadError(err: unknown, ref: SecretKeyRef, namespace: string, field: CredentialField): TrustError {
  const secretName = `${namespace}/${ref.name}`;
  const status = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (status === 404) {
    return { code: 'SecretNotFound', field, secret: secretName,
      message: `${field}: Secret ${secretName} not found: create it and mark it (${labelCommand(namespace, ref.name)}), or fix the reference` };
  }
  if (status === 403) {
    return { code: 'SecretForbidden', field, secret: secretName,
      message: `${field}: the operator may not read Secret ${secretName} (forbidden): grant its ServiceAccount get on secrets in ${namespace} (the chart's RBAC does)` };
  }
  const detail = serverText(err instanceof Error ? err.message : err);
  return { code: 'SecretUnreadable', field, secret: secretName,
    message: `${field}: cannot read Secret ${secretName}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${detail || 'unknown error'}; it is retried next run` };
}
