// TLS for both front doors (listen.tls): the server certificate and key, and with
// client_ca_file the CA a client's certificate must chain to (mTLS: a client without a
// certificate, or with one from another CA, fails the handshake). The files are read again
// when they change (the rotation cert-manager and SPIRE do): new connections get the new
// certificate while open ones go on with theirs; files that do not make a valid pair are
// logged and the ones in force keep serving.
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import {
  createSecureContext,
  createServer,
  type SecureContextOptions,
  type Server,
  type TLSSocket,
} from "node:tls";
import type { Logger } from "pino";
import type { ListenTlsConfig } from "../config/schema.js";
import { WatchedFiles } from "../config/watched-files.js";
import { describeCause, StartupError } from "../startup-error.js";

/** The secure context options of `tls`'s files, or a StartupError naming the key at fault. */
function loadContext(tls: ListenTlsConfig): SecureContextOptions {
  const read = (key: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new StartupError(`listen.tls.${key}`, path, `cannot read it (${describeCause(error)})`);
    }
  };
  const cert = read("cert_file", tls.cert_file);
  const key = read("key_file", tls.key_file);
  const ca =
    tls.client_ca_file === undefined ? undefined : read("client_ca_file", tls.client_ca_file);
  try {
    // Built once here to refuse files that do not make a context before anything uses them.
    createSecureContext({ cert, key, ca });
    return { cert, key, ca };
  } catch (error) {
    throw new StartupError(
      "listen.tls",
      `${tls.cert_file}, ${tls.key_file}`,
      `not a PEM certificate and its private key (${describeCause(error)})`,
    );
  }
}

export class TlsTerminator {
  private context: SecureContextOptions;
  private readonly mutual: boolean;
  private readonly files: WatchedFiles;
  /** One TLS server (never listening: fed connections) per protocol list and handler. */
  private readonly servers: Server[] = [];

  constructor(
    private readonly tls: ListenTlsConfig,
    private readonly logger: Logger,
  ) {
    this.mutual = tls.client_ca_file !== undefined;
    this.context = loadContext(tls);
    const paths = [tls.cert_file, tls.key_file, tls.client_ca_file].filter(
      (path): path is string => path !== undefined,
    );
    this.files = new WatchedFiles(paths, () => this.reload(), logger);
  }

  /** Starts watching the files. */
  start(): void {
    this.files.start();
  }

  stop(): void {
    this.files.stop();
  }

  /** Reads the files again: the next connections get what they hold, if it is valid. */
  reload(): void {
    try {
      this.context = loadContext(this.tls);
      for (const server of this.servers) {
        server.setSecureContext(this.context);
      }
      this.logger.info({ cert_file: this.tls.cert_file }, "TLS certificate reloaded");
    } catch (error) {
      this.logger.error(
        { err: { message: (error as Error).message } },
        "TLS files refused: the certificate in force keeps serving",
      );
    }
  }

  /**
   * A function running the server side of a TLS handshake on each socket it is given,
   * offering `protocols` by ALPN; `onSecure` gets the TLS socket once the handshake (and,
   * with mTLS, the verification of the client's certificate) is done. A failed handshake
   * (a cleartext client, no certificate, one from another CA) closes the connection.
   */
  terminator(
    protocols: readonly string[],
    onSecure: (socket: TLSSocket) => void,
  ): (socket: Socket) => void {
    const server = createServer({
      ...this.context,
      requestCert: this.mutual,
      rejectUnauthorized: this.mutual,
      ALPNProtocols: [...protocols],
    });
    server.on("secureConnection", (secured: TLSSocket) => {
      secured.on("error", () => secured.destroy());
      onSecure(secured);
    });
    server.on("tlsClientError", (_error, secured) => secured.destroy());
    this.servers.push(server);
    return (socket) => server.emit("connection", socket);
  }
}
