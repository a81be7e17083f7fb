// AdminService: the state of every app, as this replica sees it, for operators.
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import {
  type AdminService,
  AppStatusSchema,
  CredentialStatusSchema,
  ListAppsResponseSchema,
  TokenMode,
} from "@wxtoken/api";
import type { Coordinator } from "../cluster/coordinator.js";
import type { CredentialManager } from "../core/credential-manager.js";
import type { UsageGuards } from "../core/usage-guards.js";
import type { CallerAuth } from "../security/caller-auth.js";
import { toConnectError, upstreamErrorDetail } from "./status.js";

export interface AdminServiceDeps {
  manager: CredentialManager;
  guards: UsageGuards;
  coordinator: Coordinator;
  auth: CallerAuth;
}

export class AdminServiceImpl implements ServiceImpl<typeof AdminService> {
  constructor(private readonly deps: AdminServiceDeps) {}

  async listApps(_request: unknown, context: HandlerContext) {
    try {
      const { auth, manager, guards, coordinator } = this.deps;
      const caller = auth.authenticate(context.requestHeader.get("authorization"));
      auth.authorize(caller, "admin");
      const states = manager.states().filter((state) => auth.canSee(caller, state.app.app_id));
      const apps = await Promise.all(
        states.map(async ({ app, slots, lastFailure, lastRefreshAt }) => {
          const usage = await guards.usageToday(app.app_id);
          return create(AppStatusSchema, {
            appId: app.app_id,
            mode: app.mode === "stable" ? TokenMode.STABLE : TokenMode.CLASSIC,
            credentials: slots.map((slot) => {
              const latest = slot.latest();
              return create(CredentialStatusSchema, {
                kind: slot.kind,
                expiresAt: latest?.expiresAt,
                fetchedAt: latest?.fetchedAt,
                generation: latest?.generation ?? 0n,
              });
            }),
            lastRefreshAt: lastRefreshAt === undefined ? undefined : timestampFromMs(lastRefreshAt),
            lastError:
              lastFailure === undefined ? undefined : upstreamErrorDetail(lastFailure.error),
            lastErrorAt:
              lastFailure === undefined ? undefined : timestampFromMs(lastFailure.at.getTime()),
            upstreamCallsToday: Object.values(usage).reduce((sum, calls) => sum + calls, 0),
          });
        }),
      );
      return create(ListAppsResponseSchema, {
        apps,
        replicaId: coordinator.replicaId,
        leaderId: coordinator.leaderId() ?? "",
      });
    } catch (error) {
      throw toConnectError(error);
    }
  }
}
