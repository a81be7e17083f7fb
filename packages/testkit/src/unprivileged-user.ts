// The user a permission test runs a server as: root passes every permission check, so a
// test running as root uses `nobody` instead; anyone else is unprivileged already.
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
