// @wxtoken/testkit: what wxtoken's tests share.
export type { EtcdCluster, EtcdMember, EtcdOptions, EtcdTlsOptions } from "./etcd.js";
export { findEtcd, startEtcd } from "./etcd.js";
export type { FileFixture, FileHooks } from "./file-fixture.js";
export { fileFixture } from "./file-fixture.js";
export { freePort, freePorts } from "./free-port.js";
export {
  e2eOpenPlatform,
  e2eOpenPlatformCallbackUrl,
  e2eOpenPlatformConfig,
  e2eSimOpenPlatforms,
} from "./open-platform-fixture.js";
export type { RefreshCount, TokenCall } from "./refresh-calls.js";
export { busiestWindow, countRefreshes } from "./refresh-calls.js";
export { rejectionOf } from "./rejection.js";
export type { ProcessExit, SpawnedProcess, SpawnOptions } from "./spawn.js";
export { processExists, runningProcesses, spawnNode, spawnProcess } from "./spawn.js";
export type { Stack, StackOptions, StackUpstream } from "./stack.js";
export { startStack } from "./stack.js";
export type { CleanupStep } from "./teardown.js";
export { Teardown } from "./teardown.js";
export { temporaryDirectory } from "./temporary-directory.js";
export type {
  CertificatePair,
  ClientCertificateOptions,
  TestCertificateOptions,
  TestCertificates,
} from "./test-certificates.js";
export { createTestCertificates, tlsListen } from "./test-certificates.js";
export {
  JEMALLOC_CONF,
  tokenServerAllocator,
  tokenServerEnv,
} from "./token-server-allocator.js";
export type {
  LaunchedTokenServer,
  TokenServerConfig,
  TokenServerOptions,
  TokenServerProcess,
  TokenServerSpawnOptions,
} from "./token-server-process.js";
export {
  e2e,
  e2eAdminCaller,
  e2eRefresh,
  e2eSimApps,
  launchTokenServerProcess,
  repoRoot,
  spawnTokenServer,
  startTokenServerProcess,
  tokenServerMain,
  tokenServerNodeOptions,
  writeTokenServerConfig,
} from "./token-server-process.js";
export type { ProcessUser } from "./unprivileged-user.js";
export { unprivilegedUser, unprivilegedUserCanRead } from "./unprivileged-user.js";
export type { WaitForOptions } from "./wait-for.js";
export { WaitAborted, waitFor } from "./wait-for.js";
