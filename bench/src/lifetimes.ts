// Why each token of a run was replaced: by the proactive refresh (its remaining life was
// within the refresh lead), by a passive refresh that reported it, or for no reason — the
// last being upstream calls above the floor of one per needed lifetime.

export interface TokenLife {
  value: string;
  generation: number;
  fetchedAtMs: number;
  expiresAtMs: number;
}

export interface LifetimeCount {
  /** Replaced when its remaining life was within the refresh lead (reported or not). */
  proactive: number;
  /** Replaced earlier, after a passive refresh reported it as rejected. */
  reported: number;
  /** Replaced early though nobody reported it, or never seen (a generation skipped). */
  unneeded: number;
}

/**
 * Classifies every replacement in `lives` (consecutive credentials in the order
 * received); `reported` holds the values passed to RefreshToken as stale.
 */
export function countLifetimes(
  lives: readonly TokenLife[],
  reported: ReadonlySet<string>,
  leadMs: number,
): LifetimeCount {
  const count: LifetimeCount = { proactive: 0, reported: 0, unneeded: 0 };
  let previous: TokenLife | undefined;
  for (const next of lives) {
    if (previous !== undefined) {
      count.unneeded += next.generation - previous.generation - 1;
      if (next.fetchedAtMs >= previous.expiresAtMs - leadMs) {
        count.proactive += 1;
      } else if (reported.has(previous.value)) {
        count.reported += 1;
      } else {
        count.unneeded += 1;
      }
    }
    previous = next;
  }
  return count;
}
