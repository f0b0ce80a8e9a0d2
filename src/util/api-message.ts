/**
 * The apiserver's refusal of a write, as one line that is the same for the same refusal: its Status
 * `message`, but with the causes (`details.causes`) sorted by field. The apiserver lists a CRD's schema
 * errors in map order, so the same invalid object comes back with its errors in a different order each
 * time; a condition message that followed that order changed on every pass, rewrote status and woke the
 * ModelVariant again (a reconcile loop the spec fuzzer found). At most `max` characters.
 */

interface StatusCause {
  field?: unknown;
  message?: unknown;
}

/** The Status body of a client-node ApiException (its `body`, JSON text or parsed), if any. */
export function statusBody(err: unknown): { message?: unknown; details?: { name?: unknown; causes?: StatusCause[] } } | undefined {
  let body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? body : undefined;
}

/** One line, deterministic for the same refusal, at most `max` characters. */
export function apiRefusalMessage(err: unknown, max = 500): string {
  const body = statusBody(err);
  const message = body?.message;
  let text = typeof message === 'string' ? message : err instanceof Error ? err.message : String(err);
  const causes = (body?.details?.causes ?? []).filter((c) => typeof c.message === 'string');
  if (causes.length > 1) {
    // "Kind "name" is invalid: [a, b]" → the prefix, then every cause sorted by field and message.
    const prefix = /^(.*? is (?:invalid|forbidden))(?::|$)/s.exec(text)?.[1];
    const lines = causes.map((c) => `${typeof c.field === 'string' && c.field ? `${c.field}: ` : ''}${String(c.message)}`).sort();
    text = `${prefix ? `${prefix}: ` : ''}${lines.join('; ')}`;
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, max);
}
