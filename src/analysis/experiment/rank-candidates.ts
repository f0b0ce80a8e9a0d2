/**
 * Ranks experiment candidates on a ranked objective, pure. `beats(objective, a, b)` says whether a is
 * significantly better than b on one objective SLI. Pairwise significance need not be transitive (A
 * beats C while neither beats B), so candidates are ordered by their Copeland score per objective, in
 * the objective's order (wins − losses against the others: A. H. Copeland, "A reasonable social welfare
 * function", 1951), then by the given order of names as the last tie-break: a total, deterministic order
 * in which a candidate that beats every other on the first objective always comes first.
 */

/** One objective: an SLI and which way is better. */
export interface Objective {
  sli: string;
  prefer: 'higher' | 'lower';
}

/** `candidates` best first. O(objectives × candidates²) calls of `beats` (at most 5 × 5² here). */
export function rankCandidates(candidates: readonly string[], objectives: readonly Objective[],
  beats: (objective: Objective, a: string, b: string) => boolean): string[] {
  const scores = new Map(candidates.map((c) => [c, objectives.map((o) =>
    candidates.reduce((score, other) => (other === c ? score : score + (beats(o, c, other) ? 1 : 0) - (beats(o, other, c) ? 1 : 0)), 0))]));
  const position = new Map(candidates.map((c, i) => [c, i]));
  return [...candidates].sort((a, b) => {
    const sa = scores.get(a) as number[];
    const sb = scores.get(b) as number[];
    for (let k = 0; k < objectives.length; k++) {
      const diff = (sb[k] as number) - (sa[k] as number);
      if (diff !== 0) return diff;
    }
    return (position.get(a) as number) - (position.get(b) as number);
  });
}
