// Why TLS to etcd fails, when it does: gRPC only says "no connection established", so a
// failed try at start is followed by one HTTPS request to the endpoint with the same CA and
// client certificate. A certificate etcd's CA file does not verify names
// store.etcd.tls.ca_file; a client certificate etcd refuses (or none) names
// store.etcd.tls.cert_file. Anything else (etcd not up yet) is left to the retries.
import { request } from "node:https";
import { StartupError } from "../startup-error.js";

export interface EtcdTlsFiles {
  readonly ca: Buffer;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  /** The config's file names, for the message. */
  readonly caFile: string;
  readonly certFile?: string | undefined;
}

const PROBE_TIMEOUT_MS = 2_000;

/** OpenSSL / Node codes of a server certificate the CA does not verify. */
const SERVER_CERT_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Codes of etcd refusing the client's certificate (or its absence). */
const CLIENT_CERT_CODE =
  /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|HANDSHAKE_FAILURE)/;

/** The code of a failed HTTPS request to `endpoint`, or undefined when TLS got through. */
function tlsFailureCode(endpoint: string, files: EtcdTlsFiles): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      new URL("/health", endpoint),
      { ca: files.ca, cert: files.cert, key: files.key, timeout: PROBE_TIMEOUT_MS },
      (response) => {
        response.resume();
        resolve(undefined);
      },
    );
    req.on("timeout", () => req.destroy());
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "unknown"));
    req.end();
  });
}

/** A StartupError naming the TLS file at fault for `endpoint`, or undefined. */
export async function diagnoseEtcdTls(
  endpoint: string,
  files: EtcdTlsFiles,
): Promise<StartupError | undefined> {
  const code = await tlsFailureCode(endpoint, files);
  if (code !== undefined && SERVER_CERT_CODES.has(code)) {
    return new StartupError(
      "store.etcd.tls.ca_file",
      files.caFile,
      `does not verify the certificate of etcd at ${endpoint} (${code})`,
    );
  }
  if (code !== undefined && CLIENT_CERT_CODE.test(code)) {
    return new StartupError(
      "store.etcd.tls.cert_file",
      files.certFile ?? "(not set)",
      `etcd at ${endpoint} refused the client certificate (${code}); its --trusted-ca-file must have signed it`,
    );
  }
  return undefined;
}
