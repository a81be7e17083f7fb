// `pnpm bench [name]`: runs every benchmark, or the one named, and writes its result.
import { getTokenGrpc } from "./get-token-grpc.js";
import { type BenchResult, writeResult } from "./report.js";

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  "get-token-grpc": getTokenGrpc,
};

const wanted = process.argv[2];
const names = wanted === undefined ? Object.keys(BENCHMARKS) : [wanted];
for (const name of names) {
  const bench = BENCHMARKS[name];
  if (bench === undefined) {
    process.stderr.write(
      `unknown benchmark ${name}; known: ${Object.keys(BENCHMARKS).join(", ")}\n`,
    );
    process.exit(1);
  }
  writeResult(await bench());
}
