// The host name a serve records in the owner row. Containers set $HOSTNAME (Docker to the
// container's id or --hostname, Kubernetes to the pod's name), which is what tells two
// containers on one volume apart; elsewhere the system's host name.

import { readlinkSync } from "node:fs";
import { hostname } from "node:os";

export function hostIdentity(env: Record<string, string | undefined>): string {
  return env.HOSTNAME?.trim() || hostname();
}

/** This process's pid namespace (`pid:[4026531836]` on Linux), undefined where there is none to read. */
export function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}
