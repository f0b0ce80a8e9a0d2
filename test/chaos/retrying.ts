/**
 * A chaos run's own requests must outlive the faults it injects (an apiserver restarting, etcd frozen):
 * `retrying` calls a request again every half second until it succeeds, a 404 on a delete counts as
 * done, and any other error after `timeoutMs` is thrown with what was being done.
 */
export async function retrying<T>(what: string, request: () => Promise<T>, timeoutMs = 120_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await request();
    } catch (err) {
      if ((err as { code?: number }).code === 404 && what.startsWith('delete')) return undefined;
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs / 1000} s: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
