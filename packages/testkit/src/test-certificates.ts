// Certificates for tests, made with the openssl CLI: a CA, a server certificate for
// 127.0.0.1 and localhost (and more of them, for a rotation), and client certificates whose
// CN names the client (etcd's client-cert auth takes the CN as the user), with a URI SAN
// (a SPIFFE ID) when asked. Everything lives in one temporary directory.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Teardown } from "./teardown.js";

const run = promisify(execFile);

export interface CertificatePair {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TestCertificates {
  readonly dir: string;
  readonly caFile: string;
  readonly server: CertificatePair;
  /** A client certificate with CN `name`, signed by the CA; made once per name. */
  client(name: string, options?: ClientCertificateOptions): Promise<CertificatePair>;
  /** Another server certificate for 127.0.0.1 and localhost, signed by the CA (a rotation). */
  newServer(name: string): Promise<CertificatePair>;
}

export interface ClientCertificateOptions {
  /** A URI SAN, e.g. a SPIFFE ID. */
  uri?: string;
}

export interface TestCertificateOptions {
  /** Removes the directory when the teardown runs. */
  teardown?: Teardown;
}

/** openssl arguments for a new P-256 key, unencrypted. */
const NEW_P256_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args);
}

/** A key and a certificate for `subject` signed by the CA in `dir`, with `extensions`. */
async function signed(dir: string, name: string, subject: string, extensions: string) {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await openssl([
    "req",
    "-new",
    ...NEW_P256_KEY,
    "-keyout",
    pair.keyFile,
    "-out",
    csr,
    "-subj",
    subject,
  ]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    pair.certFile,
    "-extfile",
    ext,
  ]);
  return pair;
}

export async function createTestCertificates(
  options: TestCertificateOptions = {},
): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), "wxtoken-certs-"));
  options.teardown?.add(() => rm(dir, { recursive: true, force: true }));
  const caFile = join(dir, "ca.crt");
  await openssl([
    "req",
    "-x509",
    ...NEW_P256_KEY,
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    caFile,
    "-days",
    "2",
    "-subj",
    "/CN=wxtoken test CA",
  ]);
  const newServer = (name: string) =>
    signed(
      dir,
      name,
      "/CN=localhost",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
    );
  const server = await newServer("server");
  const clients = new Map<string, Promise<CertificatePair>>();
  return {
    dir,
    caFile,
    server,
    newServer,
    client(name, clientOptions = {}) {
      let pair = clients.get(name);
      if (pair === undefined) {
        const san =
          clientOptions.uri === undefined ? "" : `subjectAltName=URI:${clientOptions.uri}\n`;
        pair = signed(dir, `client-${name}`, `/CN=${name}`, `${san}extendedKeyUsage=clientAuth\n`);
        clients.set(name, pair);
      }
      return pair;
    },
  };
}

/** What `tlsListen` asks of the server. */
export interface TlsListenOptions {
  /** Clients must present a certificate signed by the test CA (listen.tls.client_ca_file). */
  mutualTls: boolean;
}

/** A token-server's `listen` config on free loopback ports, serving TLS with `certs.server`. */
export function tlsListen(certs: TestCertificates, options: TlsListenOptions) {
  return {
    grpc: "127.0.0.1:0",
    http: "127.0.0.1:0",
    tls: {
      cert_file: certs.server.certFile,
      key_file: certs.server.keyFile,
      ...(options.mutualTls && { client_ca_file: certs.caFile }),
    },
  };
}
