/**
 * Runs async tasks with at most `limit` in flight, keeping results in input order. Analysis uses it to
 * query Prometheus concurrently without one ModelVariant with many SLIs flooding it.
 */

/** Runs `tasks` with at most `limit` (≥ 1) running at once; rejects if a task rejects. */
export async function runLimited<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  const workers = Array.from({ length: Math.min(Math.max(1, Math.floor(limit)), tasks.length) }, worker);
  await Promise.all(workers);
  return results;
}
