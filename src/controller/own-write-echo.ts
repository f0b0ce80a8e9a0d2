/**
 * A ModelVariant watch event that only brings back this operator's own status write tells the
 * controller nothing: the pass that wrote it planned from that object and asked for its own requeue,
 * and a pass on it plans the same status again (plan.property.test.ts: "no status change when nothing
 * changed"). Queueing it cost a reconcile per status write (~11 per rollout), and in a wave those waited
 * beside the steps that were due.
 *
 * The echo is recognised by content, not by resourceVersion: the watch often delivers it before the
 * write's response brings the new resourceVersion back. Before each status write the writer records
 * `echoFingerprint` of the object it planned from with the status it writes; an event whose object has
 * the same fingerprint is skipped. The fingerprint covers everything the planner reads of the object
 * besides its spec (which moves `metadata.generation`): the signal annotation and every other one, the
 * labels, the uid, a deletion. So a spec change, a signal, someone else's status write or a replaced
 * object is always queued; so is every resync (the informer marks them).
 */
import type { ModelVariant } from '../api/types.ts';
import { stableHash } from '../workload/hash.ts';

/** Fingerprints of the objects this operator's status writes produce, by "namespace/name". */
export type ExpectedEchoes = Map<string, string>;

/** A short hash of `mv`'s generation, annotations, labels, uid and deletion with `status` (sorted keys). */
export function echoFingerprint(mv: ModelVariant, status: object): string {
  const m = mv.metadata ?? {};
  return stableHash({
    generation: m.generation ?? null, annotations: m.annotations ?? {}, labels: m.labels ?? {}, uid: m.uid ?? null,
    deletionTimestamp: m.deletionTimestamp ?? null, status,
  });
}

/** True when `mv` is, in everything the planner reads, the object this operator's last status write for it produced. */
export function isOwnStatusWriteEcho(expected: ExpectedEchoes, mv: ModelVariant): boolean {
  const fingerprint = expected.get(`${mv.metadata?.namespace ?? ''}/${mv.metadata?.name ?? ''}`);
  return fingerprint !== undefined && fingerprint === echoFingerprint(mv, mv.status ?? {});
}
