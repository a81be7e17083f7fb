// What the scale benchmarks load: N configured apps (`pnpm bench scale`) or N authorizers
// of one third-party platform (`pnpm bench open-platform-scale`), each with the simulator's
// side, the token-server config (secrets from ${env:} or files in a temp dir), how they are
// first fetched, which upstream call refreshes one, and how a caller asks for one.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  CredentialKind,
  CredentialOwnerSchema,
  type GetTokenRequest,
  GetTokenRequestSchema,
  OpenPlatformAuthorizerSchema,
  OpenPlatformService,
} from "@wxtoken/api";
import { e2e, e2eAdminCaller, e2eSimApps, type Teardown, waitFor } from "@wxtoken/testkit";
import type { SimCall, Simulator, SimulatorOptions } from "@wxtoken/wechat-sim";
import type { Replica } from "./cluster.js";
import { adminHeaders, grpcClient } from "./rpc.js";

export interface ScalePopulation {
  /** The benchmark's name. */
  readonly name: string;
  /** What is loaded, for the description: "10000 configured apps (classic mode)". */
  readonly what: string;
  readonly ids: readonly string[];
  /** The simulator's part of its options. */
  readonly sim: Partial<SimulatorOptions>;
  /** The token-server config keys that list them (apps, open_platforms, callers). */
  readonly config: Record<string, unknown>;
  /** The credential a refresh call received by the simulator is for; undefined: not one. */
  subject(call: SimCall): string | undefined;
  /** Makes the first replica (leader, empty store) fetch every one of them. */
  seed(first: Replica, sim: Pick<Simulator, "openPlatform">, teardown: Teardown): Promise<void>;
  /** GetToken of the access token of `id`. */
  request(id: string): GetTokenRequest;
}

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(8, "0")}`);

/** `count` classic-mode apps: every upstream call issues a new token, so none can hide. */
export function configuredApps(count: number): ScalePopulation {
  const ids = numbered("wxscale", count);
  return {
    name: "scale",
    what: `${count} configured apps (classic mode, secrets from \${env:})`,
    ids,
    // The test kit's apps too: the one-app replica compared with uses one of them.
    sim: { apps: [...e2eSimApps, ...ids.map((appId) => ({ appId, secret: e2e.otherSecret }))] },
    config: {
      apps: ids.map((app_id) => ({
        app_id,
        secret: "${env:E2E_OTHER_SECRET}",
        mode: "classic",
      })),
      callers: [e2eAdminCaller],
    },
    subject: ({ path, appId }) => (path === "/cgi-bin/token" ? appId : undefined),
    // A leader on an empty store fetches every configured app at start.
    seed: async () => {},
    request: (appId) => create(GetTokenRequestSchema, { appId, kind: CredentialKind.ACCESS_TOKEN }),
  };
}

const COMPONENT_APP_ID = "wxscalecomponent01";
const PLATFORM = {
  secret: "scale-component-secret-5e1b",
  token: "scalemessagetoken",
  encodingAesKey: "ScaleScaleScaleScaleScaleScaleScale01234567",
};
const AUTHORIZER_TOKEN_PATH = "/cgi-bin/component/api_authorizer_token";

/** `count` accounts authorized to one platform, learnt by ReconcileAuthorizers. */
export function platformAuthorizers(count: number): ScalePopulation {
  const ids = numbered("wxscaleauth", count);
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-scale-"));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`, { mode: 0o600 });
    return path;
  };
  return {
    name: "open-platform-scale",
    what: `${count} authorizers of one third-party platform (secrets in files)`,
    ids,
    sim: {
      openPlatforms: [{ componentAppId: COMPONENT_APP_ID, ...PLATFORM, ticketPushIntervalS: 0 }],
    },
    config: {
      apps: [],
      open_platforms: [
        {
          component_app_id: COMPONENT_APP_ID,
          secret_file: file("secret", PLATFORM.secret),
          token_file: file("token", PLATFORM.token),
          encoding_aes_key_file: file("aes", PLATFORM.encodingAesKey),
        },
      ],
      callers: [
        { ...e2eAdminCaller, permissions: [...e2eAdminCaller.permissions, "open_platform.admin"] },
      ],
    },
    subject: ({ path, authorizerAppId }) =>
      path === AUTHORIZER_TOKEN_PATH ? authorizerAppId : undefined,
    async seed(first, sim, teardown) {
      // WeChat knows them all (authorized before wxtoken ran); the callback then gets a
      // ticket, and one reconciliation (api_get_authorizer_list) brings them in.
      for (const authorizerAppId of ids) {
        await sim.openPlatform.authorize({ componentAppId: COMPONENT_APP_ID, authorizerAppId });
      }
      await sim.openPlatform.setCallbackUrl(
        COMPONENT_APP_ID,
        `${first.server.httpUrl}/open-platform/${COMPONENT_APP_ID}/callback`,
      );
      await sim.openPlatform.pushTicket(COMPONENT_APP_ID);
      const platforms = grpcClient(OpenPlatformService, first.server.grpcUrl, teardown);
      await waitFor(
        () =>
          platforms
            .reconcileAuthorizers(
              { componentAppId: COMPONENT_APP_ID },
              // 10,000 records written one by one: a minute or more here.
              { headers: adminHeaders, timeoutMs: 240_000 },
            )
            .then(() => true),
        { timeoutMs: 300_000, intervalMs: 500, description: "a reconciliation" },
      );
    },
    request: (authorizerAppId) =>
      create(GetTokenRequestSchema, {
        kind: CredentialKind.ACCESS_TOKEN,
        owner: create(CredentialOwnerSchema, {
          owner: {
            case: "authorizer",
            value: create(OpenPlatformAuthorizerSchema, {
              componentAppId: COMPONENT_APP_ID,
              authorizerAppId,
            }),
          },
        }),
      }),
  };
}
