// Who a client certificate says its holder is, for callers identified by mTLS
// (`callers[].identity`): "CN=<common name>" of the subject and each URI SAN (a SPIFFE ID,
// say). Only a certificate the TLS handshake verified against listen.tls.client_ca_file
// counts. Transports put a reader of it in each call's context values.
import type { PeerCertificate } from "node:tls";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";

/** The identities of the call's verified client certificate; read only when needed. */
export type PeerIdentities = () => readonly string[];

const NONE: readonly string[] = [];
export const noPeerIdentities: PeerIdentities = () => NONE;

export const peerIdentitiesKey = createContextKey<PeerIdentities>(noPeerIdentities, {
  description: "identities of the client certificate",
});

/**
 * The call's certificate identities (none without mTLS), read from its context values only
 * when asked: a call authenticated by a key alone never creates them (the hot path).
 */
export const peerIdentitiesOf =
  (context: HandlerContext): PeerIdentities =>
  () =>
    context.values.get(peerIdentitiesKey)();

/** A SAN value as node prints it: plain, or JSON-quoted when it holds a comma or quote. */
const unquote = (value: string) => (value.startsWith('"') ? (JSON.parse(value) as string) : value);

/** "CN=…" of `certificate`'s subject and its URI SANs. */
export function certificateIdentities(certificate: PeerCertificate | undefined): readonly string[] {
  if (certificate?.subject === undefined) {
    return NONE;
  }
  const identities: string[] = [];
  const names: unknown = certificate.subject.CN;
  for (const name of Array.isArray(names) ? names : [names]) {
    if (typeof name === "string") {
      identities.push(`CN=${name}`);
    }
  }
  for (const san of (certificate.subjectaltname ?? "").split(/, (?=[A-Za-z ]+:)/)) {
    if (san.startsWith("URI:")) {
      identities.push(unquote(san.slice("URI:".length)));
    }
  }
  return identities;
}

/** What a TLS socket (or node's HTTP/2 proxy of one) offers about its peer. */
interface PeerSocket {
  readonly authorized?: boolean;
  getPeerCertificate?(): PeerCertificate;
}

/** The identities of a socket's verified client certificate (none for a cleartext socket). */
export function socketIdentities(socket: unknown): PeerIdentities {
  const peer = socket as PeerSocket;
  if (peer.authorized !== true || typeof peer.getPeerCertificate !== "function") {
    return noPeerIdentities;
  }
  let identities: readonly string[] | undefined;
  return () => {
    identities ??= certificateIdentities(peer.getPeerCertificate?.());
    return identities;
  };
}
