// When a credential expires, in epoch ms (0 when it carries no expiry).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Credential } from "@wxtoken/api";

export function expiresAtMs(credential: Credential): number {
  return credential.expiresAt === undefined ? 0 : timestampMs(credential.expiresAt);
}
