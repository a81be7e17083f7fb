// The third-party platform of end-to-end tests (testkit's, shared with tokenctl's tests), a
// stack that serves it, and requests' owners for the component and an authorizer.
import { create } from "@bufbuild/protobuf";
import {
  type CredentialOwner,
  CredentialOwnerSchema,
  OpenPlatformAuthorizerSchema,
  OpenPlatformComponentSchema,
} from "@wxtoken/api";
import {
  e2eOpenPlatform,
  e2eOpenPlatformCallbackUrl,
  e2eOpenPlatformConfig,
  e2eSimOpenPlatforms,
} from "@wxtoken/testkit";
import type { Simulator, SimulatorOptions } from "@wxtoken/wechat-sim";
import { type Stack, type StackOptions, startStack } from "./stack.js";

export const {
  componentAppId: COMPONENT_APP_ID,
  authorizerAppId: AUTHORIZER_APP_ID,
  secret: COMPONENT_SECRET,
  messageToken: MESSAGE_TOKEN,
  encodingAesKey: ENCODING_AES_KEY,
  platformKey: PLATFORM_KEY,
  authorizerReaderKey: AUTHORIZER_READER_KEY,
} = e2eOpenPlatform;

/** The platform as the simulator plays it: tickets pushed only on demand. */
export const simPlatforms = (): SimulatorOptions["openPlatforms"] => e2eSimOpenPlatforms();

/** The token-server config keys for the platform; its secrets in files of a new directory. */
export const openPlatformConfig = e2eOpenPlatformConfig;

export const callbackUrl = e2eOpenPlatformCallbackUrl;

export const componentOwner = (): CredentialOwner =>
  create(CredentialOwnerSchema, {
    owner: {
      case: "component",
      value: create(OpenPlatformComponentSchema, { componentAppId: COMPONENT_APP_ID }),
    },
  });

export const authorizerOwner = (authorizerAppId: string = AUTHORIZER_APP_ID): CredentialOwner =>
  create(CredentialOwnerSchema, {
    owner: {
      case: "authorizer",
      value: create(OpenPlatformAuthorizerSchema, {
        componentAppId: COMPONENT_APP_ID,
        authorizerAppId,
      }),
    },
  });

/**
 * A stack serving the platform (the simulator plays it, with `sim` options over it; `config`
 * over the platform's keys), its callback URL registered with the simulator.
 */
export async function startPlatformStack(
  options: StackOptions & { config?: Record<string, unknown> },
): Promise<{ sim: Simulator; stack: Stack }> {
  const stack = await startStack({
    ...options,
    sim: { openPlatforms: simPlatforms(), ...options.sim },
    config: { ...openPlatformConfig(options.teardown), ...options.config },
  });
  await stack.sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(stack.httpUrl));
  return { sim: stack.sim, stack };
}
