/**
 * Typed errors of the analysis package: a discriminated union keyed by `code`, each carrying a message
 * that says what a user should fix. `PromError` is what talking to Prometheus can go wrong with (outage,
 * timeout, a query Prometheus rejected, a result that is not one number); `SpecError` is a problem of the
 * ModelVariant's analysis spec itself (unknown built-in, bad template, bad window); `TrustError` is a
 * run the operator refuses before asking anything (a credentials Secret it may not or cannot read, an
 * address the operator's allow-list excludes). None is ever thrown across the package boundary: they
 * travel as values, end up in a reason and message, and count as Error verdicts (toward
 * inconclusiveLimit).
 */

/** Something went wrong while asking Prometheus; the query itself may be fine. */
export type PromError =
  | { code: 'InvalidAddress'; message: string; address: string }
  | { code: 'Unreachable'; message: string; address: string }
  | { code: 'Tls'; message: string; address: string }
  | { code: 'Timeout'; message: string; address: string; timeoutMs: number }
  | { code: 'Unauthorized'; message: string; address: string; status: number }
  | { code: 'BadQuery'; message: string; query: string; errorType: string; status: number }
  | { code: 'ServerError'; message: string; address: string; status: number }
  | { code: 'BadResponse'; message: string; address: string }
  | { code: 'UnexpectedResultType'; message: string; query: string; resultType: string; series: number };

/** The analysis spec cannot be turned into queries; fixing the ModelVariant is the only cure. */
export type SpecError =
  | { code: 'UnknownTemplateVariable'; message: string; variable: string }
  | { code: 'PlaceholderOutsideString'; message: string; variable: string }
  | { code: 'InvalidWindow'; message: string; window: string }
  | { code: 'UnknownBuiltin'; message: string; builtin: string }
  | { code: 'InvalidSli'; message: string; sli: string }
  | { code: 'InvalidSlo'; message: string };

/** Which Secret reference of `prometheus` a credentials error is about. */
export type CredentialField = 'prometheus.caSecretRef' | 'prometheus.bearerTokenSecretRef';

/** The run was refused before any query: its credentials or its address are not trusted or not readable. */
export type TrustError =
  | { code: 'SecretNotFound'; message: string; field: CredentialField; secret: string }
  | { code: 'SecretForbidden'; message: string; field: CredentialField; secret: string }
  | { code: 'SecretUnreadable'; message: string; field: CredentialField; secret: string }
  | { code: 'SecretNotMarked'; message: string; field: CredentialField; secret: string; label: string }
  | { code: 'SecretKeyMissing'; message: string; field: CredentialField; secret: string; key: string }
  | { code: 'AddressNotAllowed'; message: string; address: string; allowed: string[] };

/** Every error a measurement can carry. */
export type AnalysisError = PromError | SpecError;

/** Every error an analysis run can end with: a measurement's, or a refusal before measuring. */
export type RunError = AnalysisError | TrustError;

/** The error codes that mean "Prometheus could not be asked", as opposed to "the query is wrong". */
const UNAVAILABLE_CODES: ReadonlySet<AnalysisError['code']> = new Set([
  'Unreachable', 'Tls', 'Timeout', 'Unauthorized', 'ServerError', 'BadResponse', 'InvalidAddress',
]);

/** True when the error is about reaching Prometheus rather than about the query or the spec. */
export function isUnavailable(error: AnalysisError): boolean {
  return UNAVAILABLE_CODES.has(error.code);
}

/** A value or a typed error, for functions that validate input instead of throwing. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };
