// Which configured lanes have no due row waiting, so a delivery published for one may start at
// once (Scheduler.handOff) instead of queuing behind older rows. A claim learns it: the lane
// was offered more slots than it had due rows. A delivery stored pending unlearns it, and one
// stored pending while a claim is out is newer than what that claim read, so that claim cannot
// mark its lane caught up. One claim is out at a time (the scheduler's tick).

export function createCatchUp() {
  const caughtUp = new Set<string>();
  let claimOut = false;
  const behindDuringClaim = new Set<string>();
  return {
    has: (lane: string) => caughtUp.has(lane),
    /** A delivery of `lane` was stored pending: it waits for a claim. */
    fellBehind(lane: string) {
      caughtUp.delete(lane);
      if (claimOut) behindDuringClaim.add(lane);
    },
    /** Before a claim's read. */
    claimStarted() {
      claimOut = true;
      behindDuringClaim.clear();
    },
    /** After the claim's read, for each lane it was offered: whether its due rows ran out. */
    claimed(lane: string, ranOut: boolean) {
      if (ranOut && !behindDuringClaim.has(lane)) caughtUp.add(lane);
      else caughtUp.delete(lane);
    },
    claimEnded() {
      claimOut = false;
      behindDuringClaim.clear();
    },
  };
}

export type CatchUp = ReturnType<typeof createCatchUp>;
