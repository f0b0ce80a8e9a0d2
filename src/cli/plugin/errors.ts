/**
 * The plugin's errors and exit codes. Every failure becomes a `PluginError` whose `code` says what went
 * wrong and whose message says what to do about it, naming the object, namespace or server involved.
 * Exit codes: 0 done, 1 refused or the opposite outcome (a signal the operator would ignore; `wait`
 * saw a rollback while waiting for promotion), 2 timed out, 3 usage, configuration, not-found or
 * cluster errors (nothing about the rollout is known). `describeApiError` turns a client-node or
 * network error into one of these; it is pure apart from reading the error.
 */
import { errorMessage } from '../../kube/client.ts';

export const EXIT = { ok: 0, failed: 1, timeout: 2, error: 3 } as const;

export type PluginErrorCode =
  | 'Usage'
  | 'KubeConfig'
  | 'NotFound'
  | 'CrdNotInstalled'
  | 'Unreachable'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Api'
  | 'Refused'
  | 'RolledBack'
  | 'NotHandled'
  | 'Timeout';

const EXIT_OF: Record<PluginErrorCode, number> = {
  Usage: EXIT.error,
  KubeConfig: EXIT.error,
  NotFound: EXIT.error,
  CrdNotInstalled: EXIT.error,
  Unreachable: EXIT.error,
  Unauthorized: EXIT.error,
  Forbidden: EXIT.error,
  Api: EXIT.error,
  Refused: EXIT.failed,
  RolledBack: EXIT.failed,
  NotHandled: EXIT.failed,
  Timeout: EXIT.timeout,
};

export class PluginError extends Error {
  readonly code: PluginErrorCode;
  readonly exitCode: number;
  constructor(code: PluginErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PluginError';
    this.code = code;
    this.exitCode = EXIT_OF[code];
  }
}

/** Where a request went, for messages that tell the user which cluster and config were used. */
export interface Target {
  server: string;
  context: string;
  kubeconfig: string;
}

/** The HTTP status of a client-node ApiException (or KubeHttpError), if the error is one. */
export function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The apiserver's own message from an ApiException body (a Status object, as JSON text or parsed). */
export function apiMessage(err: unknown): string {
  let body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.trim().slice(0, 300);
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : errorMessage(err).split('\n')[0] ?? '';
}

/** Turns a failed request into a PluginError that names the server and says what to check. */
export function describeApiError(err: unknown, doing: string, target: Target): PluginError {
  if (err instanceof PluginError) return err;
  const status = httpStatus(err);
  const where = `the Kubernetes API server at ${target.server}`;
  const config = `${target.kubeconfig}, context "${target.context}"`;
  if (status === undefined) {
    return new PluginError('Unreachable', `cannot reach ${where} while trying to ${doing} (${errorMessage(err)}). ` +
      `Is the cluster running, and is the kubeconfig right (${config})?`, err);
  }
  if (status === 401) {
    return new PluginError('Unauthorized', `${where} rejected the credentials of context "${target.context}" (401 Unauthorized) while trying to ${doing}. ` +
      `Log in again or fix the user in ${target.kubeconfig}.`, err);
  }
  if (status === 403) {
    return new PluginError('Forbidden', `not allowed to ${doing}: ${apiMessage(err)}. Ask for RBAC access to modelvariants.activationcanary.io, or use another context.`, err);
  }
  return new PluginError('Api', `failed to ${doing}: HTTP ${status}: ${apiMessage(err)}`, err);
}

/** The error for a missing CRD, with how to install it. */
export function crdNotInstalled(target: Target): PluginError {
  return new PluginError('CrdNotInstalled', `the ModelVariant CRD (modelvariants.activationcanary.io) is not installed on the cluster at ${target.server}. ` +
    'Install it with `make install` (kubectl apply -f crds/) or with the Helm chart (helm install), then try again.');
}

/** The error for a missing object: where to look instead, or how to list what exists. */
export function notFound(name: string, namespace: string, elsewhere: readonly string[]): PluginError {
  const lines = [`modelvariant "${name}" not found in namespace "${namespace}". List them with: kubectl modelvariant list -n ${namespace}`];
  if (elsewhere.length > 0) lines.push(`found in namespace(s): ${elsewhere.join(', ')} — use -n ${elsewhere[0]}`);
  return new PluginError('NotFound', lines.join('\n'));
}
