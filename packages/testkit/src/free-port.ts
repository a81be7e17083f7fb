// A free TCP port on a loopback address, found by letting the kernel pick one.
import { createServer } from "node:net";

export async function freePort(host = "127.0.0.1"): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error(`freePort: no TCP address for ${host}`);
  }
  return address.port;
}

/** Distinct free ports: each one is held until all are found, so none repeats. */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    ports.add(await freePort(host));
  }
  return [...ports];
}
