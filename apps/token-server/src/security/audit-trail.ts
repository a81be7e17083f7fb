// The audit trail as `audit` configures it: the destination opened and the audit key read
// (StartupErrors naming the key), with a warning at start when there is no key, since the
// trail then leaves token values out and CheckAuditValue cannot answer.
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { type AuditDestination, openAuditDestination, readAuditKey } from "./audit-destination.js";
import { AuditLog } from "./audit-log.js";

export interface AuditTrail {
  readonly audit: AuditLog;
  readonly destination: AuditDestination;
}

export function openAuditTrail(config: Config["audit"], logger: Logger): AuditTrail {
  const key = readAuditKey(config.key_file);
  const destination = openAuditDestination(config.destination, logger);
  if (key === undefined) {
    logger.warn(
      "audit.key_file is not set: audit lines leave token values out, and CheckAuditValue cannot answer",
    );
  }
  return { audit: new AuditLog({ sink: destination.sink, key }), destination };
}
