// Every tokenctl command by name.
import type { Command } from "../command.js";
import { apps } from "./apps.js";
import { auditCheck } from "./audit-check.js";
import { authorizationUrl } from "./authorization-url.js";
import { authorizers } from "./authorizers.js";
import { clearComponentQuota } from "./clear-component-quota.js";
import { clearQuota } from "./clear-quota.js";
import { completeAuthorization } from "./complete-authorization.js";
import { componentQuota } from "./component-quota.js";
import { forceRefresh } from "./force-refresh.js";
import { get } from "./get.js";
import { reconcileAuthorizers } from "./reconcile-authorizers.js";
import { refresh } from "./refresh.js";
import { reseal } from "./reseal.js";
import { resolveMessage } from "./resolve-message.js";
import { revokeLeakedToken } from "./revoke-leaked-token.js";
import { sendTemplate } from "./send-template.js";
import { sign } from "./sign.js";
import { upstreamQuota } from "./upstream-quota.js";
import { watch } from "./watch.js";

export const COMMANDS: Readonly<Record<string, Command>> = {
  get,
  watch,
  refresh,
  sign,
  "send-template": sendTemplate,
  apps,
  "force-refresh": forceRefresh,
  "clear-quota": clearQuota,
  "upstream-quota": upstreamQuota,
  "revoke-leaked-token": revokeLeakedToken,
  "resolve-message": resolveMessage,
  "audit-check": auditCheck,
  reseal,
  "authorization-url": authorizationUrl,
  "complete-authorization": completeAuthorization,
  authorizers,
  "reconcile-authorizers": reconcileAuthorizers,
  "clear-component-quota": clearComponentQuota,
  "component-quota": componentQuota,
};
