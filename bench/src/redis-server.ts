// Debian's redis-server on a free loopback port, with persistence off, for the Redis
// reference of the SDK cache benchmark.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { freePort, spawnProcess, type Teardown } from "@wxtoken/testkit";

function findRedisServer(): string {
  const candidates = [
    ...(process.env.PATH ?? "").split(delimiter).map((dir) => join(dir, "redis-server")),
    "/usr/bin/redis-server",
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error(
      "redis-server not found (PATH, /usr/bin): install Debian's package redis-server (npm test does)",
    );
  }
  return found;
}

/** Starts redis-server and returns its URL (redis://127.0.0.1:PORT). */
export async function startRedisServer(teardown: Teardown): Promise<string> {
  const port = await freePort();
  const redis = spawnProcess(
    findRedisServer(),
    ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
    { teardown, name: "redis-server" },
  );
  await redis.waitForOutput(/Ready to accept connections/);
  return `redis://127.0.0.1:${port}`;
}
