// `node bench/dist/cpu-profile-split.js FILE.cpuprofile [PER] [TOP]`: where a V8 CPU profile's
// time went, in ms (or in ms per PER units of work, e.g. per refresh): self time by owner
// (a package under node_modules, one of ours under apps/ or packages/, a node: module, or
// V8's own: GC, program, idle), the TOP functions by self time, and inclusive time by our
// files (time with one of that file's functions on the stack).
import { readFileSync } from "node:fs";
import { ownerOf } from "./code-owner.js";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function table(title: string, totals: Map<string, number>, scale: number, top: number): string {
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    title,
    ...rows.map(([name, us]) => `  ${(us / 1_000 / scale).toFixed(3).padStart(10)}  ${name}`),
  ].join("\n");
}

const file = process.argv[2];
if (file === undefined) {
  throw new Error("usage: cpu-profile-split.js FILE.cpuprofile [PER] [TOP]");
}
const per = Number(process.argv[3] ?? 1);
const top = Number(process.argv[4] ?? 40);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) {
  for (const child of node.children ?? []) {
    parent.set(child, node.id);
  }
}
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const add = (map: Map<string, number>, key: string, us: number) =>
  map.set(key, (map.get(key) ?? 0) + us);
const owners = new Map<string, number>();
const functions = new Map<string, number>();
const inclusive = new Map<string, number>();
let totalUs = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined) {
    continue;
  }
  const { functionName, url, lineNumber } = node.callFrame;
  totalUs += us;
  add(owners, ownerOf(url, functionName), us);
  add(
    functions,
    `${functionName || "(anonymous)"} ${ownerOf(url, functionName)}:${lineNumber + 1}`,
    us,
  );
  const onStack = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame !== undefined && /\/(apps|packages)\/[^/]+\/dist\//.test(frame.url)) {
      onStack.add(ownerOf(frame.url, frame.functionName));
    }
  }
  for (const owner of onStack) {
    add(inclusive, owner, us);
  }
}
process.stdout.write(
  [
    `${file}: ${(totalUs / 1_000).toFixed(0)} ms sampled${per === 1 ? "" : `, shown per ${per}`}`,
    table("self time by owner (ms)", owners, per, top),
    table("self time by function (ms)", functions, per, top),
    table("inclusive time by our file (ms)", inclusive, per, top),
    "",
  ].join("\n"),
);
