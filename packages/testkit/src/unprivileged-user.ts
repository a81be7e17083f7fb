// The user a permission test runs a server as: root passes every permission check, so a
// test running as root uses `nobody` instead; anyone else is unprivileged already. A
// checkout under a private folder (mktemp -d makes it 0700) is out of that user's reach.
import { spawnSync } from "node:child_process";
import { userInfo } from "node:os";

export interface ProcessUser {
  readonly uid: number;
  readonly gid: number;
}

const NOBODY: ProcessUser = { uid: 65534, gid: 65534 };

export function unprivilegedUser(): ProcessUser {
  const { uid, gid } = userInfo();
  return uid === 0 ? NOBODY : { uid, gid };
}

/** Whether the unprivileged user can read `file` (every folder above it included). */
export function unprivilegedUserCanRead(file: string): boolean {
  const { uid, gid } = unprivilegedUser();
  return spawnSync("/usr/bin/test", ["-r", file], { uid, gid }).status === 0;
}
