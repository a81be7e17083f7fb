// What the scale benchmarks load: N configured apps (`pnpm bench scale`) or N authorizers
// of one third-party platform (`pnpm bench open-platform-scale`), each with the simulator's
// side, the token-server config (secrets from ${env:} or files in a temp dir), how they are
// first fetched, which upstream call refreshes one, how a caller asks for one, and the one
// credential of the same kind held by the replica the benchmark compares with.
import { writeFileSync } from "node:fs";
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
import {
  e2e,
  e2eAdminCaller,
  e2eSimApps,
  type Teardown,
  type TokenServerProcess,
  temporaryDirectory,
  waitFor,
} from "@wxtoken/testkit";
import type { SimCall, Simulator, SimulatorOptions } from "@wxtoken/wechat-sim";
import { adminHeaders, grpcClient } from "./rpc.js";

/** Where a population's credentials are first fetched: a token-server's two ports. */
export type ServerUrls = Pick<TokenServerProcess, "grpcUrl" | "httpUrl">;

/**
 * One credential of the population's kind, not one of its ids: what the replica the
 * benchmark compares with holds (its RSS is subtracted; its GetToken is the reference), so
 * that both answer the same kind of request and only the number loaded differs.
 */
export interface ScaleReference {
  /** "1 configured app". */
  readonly what: string;
  /** The token-server config keys that list it. */
  readonly config: Record<string, unknown>;
  /** Makes that replica (on a store of its own) fetch it. */
  seed(server: ServerUrls, sim: Pick<Simulator, "openPlatform">, teardown: Teardown): Promise<void>;
  /** GetToken of its access token. */
  readonly request: GetTokenRequest;
}

export interface ScalePopulation {
  /** The benchmark's name. */
  readonly name: string;
  /** What is loaded, for the description: "10000 configured apps (classic mode)". */
  readonly what: string;
  readonly ids: readonly string[];
  /** The simulator's part of its options, the reference's credential included. */
  readonly sim: Partial<SimulatorOptions>;
  /** The token-server config keys that list them (apps, open_platforms, callers). */
  readonly config: Record<string, unknown>;
  /** The credential a refresh call received by the simulator is for; undefined: not one. */
  subject(call: SimCall): string | undefined;
  /** Makes the first replica (leader, empty store) fetch every one of them. */
  seed(server: ServerUrls, sim: Pick<Simulator, "openPlatform">, teardown: Teardown): Promise<void>;
  /** GetToken of the access token of `id`. */
  request(id: string): GetTokenRequest;
  readonly reference: ScaleReference;
}

const numbered = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(8, "0")}`);

const classicApp = (app_id: string) => ({
  app_id,
  secret: "${env:E2E_OTHER_SECRET}",
  mode: "classic",
});
const appRequest = (appId: string) =>
  create(GetTokenRequestSchema, { appId, kind: CredentialKind.ACCESS_TOKEN });

/** `count` classic-mode apps: every upstream call issues a new token, so none can hide. */
export function configuredApps(count: number): ScalePopulation {
  const ids = numbered("wxscale", count);
  return {
    name: "scale",
    what: `${count} configured apps (classic mode, secrets from \${env:})`,
    ids,
    // The test kit's apps too: the reference replica's app is one of them.
    sim: { apps: [...e2eSimApps, ...ids.map((appId) => ({ appId, secret: e2e.otherSecret }))] },
    config: { apps: ids.map(classicApp), callers: [e2eAdminCaller] },
    subject: ({ path, appId }) => (path === "/cgi-bin/token" ? appId : undefined),
    // A leader on an empty store fetches every configured app at start.
    seed: async () => {},
    request: appRequest,
    reference: {
      what: "1 configured app",
      config: { apps: [classicApp(e2e.otherAppId)], callers: [e2eAdminCaller] },
      seed: async () => {},
      request: appRequest(e2e.otherAppId),
    },
  };
}

const PLATFORM = {
  secret: "scale-component-secret-5e1b",
  token: "scalemessagetoken",
  encodingAesKey: "ScaleScaleScaleScaleScaleScaleScale01234567",
};
const AUTHORIZER_TOKEN_PATH = "/cgi-bin/component/api_authorizer_token";

/** A platform's secret files (mode 0600 in a temp dir): every platform here shares them. */
function platformFiles(teardown: Teardown) {
  const dir = temporaryDirectory("wxtoken-scale-", teardown);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${text}\n`, { mode: 0o600 });
    return path;
  };
  return {
    secret_file: file("secret", PLATFORM.secret),
    token_file: file("token", PLATFORM.token),
    encoding_aes_key_file: file("aes", PLATFORM.encodingAesKey),
  };
}

/** Platform `componentAppId` with `authorizers` authorized to it. */
function platform(
  componentAppId: string,
  authorizers: readonly string[],
  files: ReturnType<typeof platformFiles>,
) {
  return {
    sim: { componentAppId, ...PLATFORM, ticketPushIntervalS: 0 },
    config: {
      apps: [],
      open_platforms: [{ component_app_id: componentAppId, ...files }],
      callers: [
        { ...e2eAdminCaller, permissions: [...e2eAdminCaller.permissions, "open_platform.admin"] },
      ],
    },
    // WeChat knows them all (authorized before wxtoken ran); the callback then gets a
    // ticket, and one reconciliation (api_get_authorizer_list) brings them in.
    async seed(server: ServerUrls, sim: Pick<Simulator, "openPlatform">, teardown: Teardown) {
      for (const authorizerAppId of authorizers) {
        await sim.openPlatform.authorize({ componentAppId, authorizerAppId });
      }
      await sim.openPlatform.setCallbackUrl(
        componentAppId,
        `${server.httpUrl}/open-platform/${componentAppId}/callback`,
      );
      await sim.openPlatform.pushTicket(componentAppId);
      const platforms = grpcClient(OpenPlatformService, server.grpcUrl, teardown);
      await waitFor(
        () =>
          platforms
            .reconcileAuthorizers(
              { componentAppId },
              // 10,000 records written one by one: a minute or more here.
              { headers: adminHeaders, timeoutMs: 240_000 },
            )
            .then(() => true),
        { timeoutMs: 300_000, intervalMs: 500, description: "a reconciliation" },
      );
    },
    request: (authorizerAppId: string) =>
      create(GetTokenRequestSchema, {
        kind: CredentialKind.ACCESS_TOKEN,
        owner: create(CredentialOwnerSchema, {
          owner: {
            case: "authorizer",
            value: create(OpenPlatformAuthorizerSchema, { componentAppId, authorizerAppId }),
          },
        }),
      }),
  };
}

/**
 * `count` accounts authorized to one platform, learnt by ReconcileAuthorizers; the
 * reference holds one account authorized to a second platform, ids of the same lengths.
 */
export function platformAuthorizers(count: number, teardown: Teardown): ScalePopulation {
  const ids = numbered("wxscaleauth", count);
  const files = platformFiles(teardown);
  const loaded = platform("wxscalecomponent01", ids, files);
  const referenceId = "wxscaleauth99999999";
  const reference = platform("wxscalecomponent02", [referenceId], files);
  return {
    name: "open-platform-scale",
    what: `${count} authorizers of one third-party platform (secrets in files)`,
    ids,
    sim: { openPlatforms: [loaded.sim, reference.sim] },
    config: loaded.config,
    subject: ({ path, authorizerAppId }) =>
      path === AUTHORIZER_TOKEN_PATH ? authorizerAppId : undefined,
    seed: loaded.seed,
    request: loaded.request,
    reference: {
      what: "1 authorizer of another platform",
      config: reference.config,
      seed: reference.seed,
      request: reference.request(referenceId),
    },
  };
}
