// Reads `perf script` output of a `perf record -g` capture of a node process started with
// --perf-basic-prof-only-functions (its JavaScript named in /tmp/perf-PID.map) and tells
// whose each sample is: V8's garbage collector when the sample is in it, else the owner of
// the nearest JavaScript frame on the stack (the code that made the call into node's C++,
// a builtin or the kernel), else native code with no JavaScript above it (libuv, nghttp2
// and the kernel serving the event loop).
import { ownerOf } from "./code-owner.js";

export interface PerfFrame {
  symbol: string;
  dso: string;
}

export interface JsFrame {
  name: string;
  /** The script's URL or path, without line and column. */
  url: string;
  line: number;
}

/** The owner of samples in V8's garbage collector. */
export const GC_OWNER = "V8 garbage collector";
/** The owners of samples with no JavaScript frame on their stack. */
export const NATIVE_KERNEL = "native, no JavaScript above: kernel";
export const NATIVE_USER = "native, no JavaScript above: user space";

/** V8's GC code, by the C++ names perf gives it. */
const GC_SYMBOL =
  /Scaveng|MarkCompact|MinorMark|Sweeper|ConcurrentMarking|Evacuat|GCTracer|Heap::Collect|IncrementalMarking/;

/** One frame line: address, symbol (with +offset), (dso). */
const FRAME_LINE = /^\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\(([^()\s]*)\)\s*$/;

/** Each sample's frames, leaf first. */
export function parsePerfScript(text: string): PerfFrame[][] {
  const samples: PerfFrame[][] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const frames = block
      .split("\n")
      .slice(1)
      .map((line) => FRAME_LINE.exec(line))
      .filter((match) => match !== null)
      .map(([, symbol = "", dso = ""]) => ({ symbol, dso }));
    if (frames.length > 0) {
      samples.push(frames);
    }
  }
  return samples;
}

/** The JavaScript function a perf map names: "JS:*name path:line:column" ("*" optimized, "^" baseline, "~" interpreted). */
export function jsFrameOf(symbol: string): JsFrame | undefined {
  const match = /^JS:[*^~+-]?(.*?)\s*(\S+):(\d+):\d+$/.exec(symbol);
  if (match === null) {
    return undefined;
  }
  const [, name = "", url = "", line = "0"] = match;
  return { name, url, line: Number(line) };
}

export interface SampleOwner {
  owner: string;
  /** The nearest JavaScript frame, when the owner is one. */
  js?: JsFrame;
}

export function sampleOwner(frames: readonly PerfFrame[]): SampleOwner {
  const leaf = frames[0];
  if (leaf !== undefined && GC_SYMBOL.test(leaf.symbol)) {
    return { owner: GC_OWNER };
  }
  for (const frame of frames) {
    const js = jsFrameOf(frame.symbol);
    if (js !== undefined) {
      return { owner: ownerOf(js.url, js.name), js };
    }
  }
  return { owner: leaf?.dso === "[kernel.kallsyms]" ? NATIVE_KERNEL : NATIVE_USER };
}

export interface OwnerTally {
  samples: number;
  byOwner: Map<string, number>;
  /** Samples by function ("name owner:line"), for the owners `detailed` picks. */
  byFunction: Map<string, number>;
}

/** Counts `perf script` output's samples by owner and, for owners `detailed` accepts, by function. */
export function tallyOwners(
  text: string,
  detailed: (owner: string) => boolean,
  into: OwnerTally = { samples: 0, byOwner: new Map(), byFunction: new Map() },
): OwnerTally {
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const frames of parsePerfScript(text)) {
    const { owner, js } = sampleOwner(frames);
    into.samples += 1;
    add(into.byOwner, owner);
    if (js !== undefined && detailed(owner)) {
      add(into.byFunction, `${js.name || "(anonymous)"} ${owner}:${js.line}`);
    }
  }
  return into;
}
