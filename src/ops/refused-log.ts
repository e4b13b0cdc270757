// The last requests inbound sources refused, and why, for the dashboard's Sources page: a
// bounded ring in memory, fed where `source.refused` is logged. Only the source's name, the
// reason and the time: never a header, a body or a secret.

export const REFUSED_KEPT = 100;

export interface RefusedRequest {
  at: number;
  source: string;
  status: number;
  reason: string;
}

export function createRefusedLog(kept = REFUSED_KEPT) {
  const ring: RefusedRequest[] = [];
  return {
    refused(entry: RefusedRequest) {
      ring.push(entry);
      if (ring.length > kept) ring.shift();
    },
    /** Newest first. */
    recent: (): RefusedRequest[] => [...ring].reverse(),
  };
}

export type RefusedLog = ReturnType<typeof createRefusedLog>;
