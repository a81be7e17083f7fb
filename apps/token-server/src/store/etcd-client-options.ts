// The etcd3 client's security options from `store.etcd`: the CA (and client certificate)
// of `tls`, and `username` / `password`. A file that cannot be read is a StartupError
// naming its config key; the password appears in no message.
import { readFileSync } from "node:fs";
import type { IOptions } from "etcd3";
import type { Config } from "../config/schema.js";
import { describeCause, StartupError } from "../startup-error.js";
import { diagnoseEtcdTls, type EtcdTlsFiles } from "./etcd-tls-probe.js";

type EtcdConfig = Config["store"]["etcd"];

function readPem(key: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new StartupError(key, file, `cannot read the file (${describeCause(error)})`);
  }
}

export interface EtcdSecurity {
  /** `credentials` and `auth` for `new Etcd3(...)`. */
  readonly options: Pick<IOptions, "credentials" | "auth">;
  /** Why a failed try at start failed, when TLS is at fault (see etcd-tls-probe.ts). */
  diagnose(): Promise<StartupError | undefined>;
}

/** The client's security options as far as `etcd` configures them. */
export function etcdSecurity(etcd: EtcdConfig): EtcdSecurity {
  const { tls, username, password } = etcd;
  const files: EtcdTlsFiles | undefined = tls && {
    ca: readPem("store.etcd.tls.ca_file", tls.ca_file),
    cert:
      tls.cert_file === undefined ? undefined : readPem("store.etcd.tls.cert_file", tls.cert_file),
    key: tls.key_file === undefined ? undefined : readPem("store.etcd.tls.key_file", tls.key_file),
    caFile: tls.ca_file,
    certFile: tls.cert_file,
  };
  return {
    options: {
      ...(files !== undefined && {
        credentials: {
          rootCertificate: files.ca,
          ...(files.cert !== undefined && { certChain: files.cert }),
          ...(files.key !== undefined && { privateKey: files.key }),
        },
      }),
      ...(username !== undefined && password !== undefined && { auth: { username, password } }),
    },
    async diagnose() {
      if (files === undefined) {
        return undefined;
      }
      for (const endpoint of etcd.endpoints) {
        const fault = await diagnoseEtcdTls(endpoint, files);
        if (fault !== undefined) {
          return fault;
        }
      }
      return undefined;
    },
  };
}
