// perf script's samples told apart by owner: the nearest JavaScript frame's, V8's GC's, or
// native code's with no JavaScript above it.
import { describe, expect, it } from "vitest";
import {
  GC_OWNER,
  jsFrameOf,
  NATIVE_KERNEL,
  NATIVE_USER,
  parsePerfScript,
  tallyOwners,
} from "./perf-samples.js";

const GRPC_JS =
  "/work/main/node_modules/.pnpm/@grpc+grpc-js@1.14.7/node_modules/@grpc/grpc-js/build/src/server-interceptors.js";

/** Four samples as `perf script` prints them (addresses shortened). */
const SCRIPT = `node  2859 10219.030369:    1001001 cpu-clock:ppp: 
\t          f2fd21 v8::internal::JSReceiver::SetProperties+0x1 (/usr/bin/node)
\t    7f368324a3de JS:^toHeaderObject node:internal/http2/util:706:24+0x25e (/tmp/perf-2859.map)
\t    7f36832766dc JS:*slotFor /work/main/apps/token-server/dist/main.js:35196:10+0x35c (/tmp/perf-2859.map)
\t          9ddd6a node::LibuvStreamWrap::ReadStart()::{lambda(uv_stream_s*, long, uv_buf_t const*)#2}::_FUN+0x5a (/usr/bin/node)

node  2859 10219.031370:    1001001 cpu-clock:ppp: 
\tffffffff81a2c3d4 _raw_spin_unlock_irqrestore+0x24 ([kernel.kallsyms])
\t         14b8865 uv__read+0x2f5 (/usr/bin/node)

node  2859 10219.032371:    1001001 cpu-clock:ppp: 
\t          d8e1a0 v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>+0x40 (/usr/bin/node)
\t    7f36832766dc JS:*get requestHeader /work/main/apps/token-server/dist/main.js:36766:5+0x10 (/tmp/perf-2859.map)

node  2859 10219.033372:    1001001 cpu-clock:ppp: 
\t    7f3683000000 JS:* ${GRPC_JS}:754:50+0x53 (/tmp/perf-2859.map)
\t           81133 [unknown] (/usr/lib/x86_64-linux-gnu/libjemalloc.so.2)
`;

describe("parsePerfScript", () => {
  it("reads each sample's frames, leaf first, without offsets", () => {
    const samples = parsePerfScript(SCRIPT);
    expect(samples.map((frames) => frames.length)).toEqual([4, 2, 2, 2]);
    expect(samples[0]?.[0]).toEqual({
      symbol: "v8::internal::JSReceiver::SetProperties",
      dso: "/usr/bin/node",
    });
    expect(samples[0]?.[3]?.symbol).toBe(
      "node::LibuvStreamWrap::ReadStart()::{lambda(uv_stream_s*, long, uv_buf_t const*)#2}::_FUN",
    );
    expect(samples[1]?.[0]?.dso).toBe("[kernel.kallsyms]");
  });
});

describe("jsFrameOf", () => {
  it("names a perf map's function, its script and line, whatever its tier", () => {
    expect(jsFrameOf("JS:^toHeaderObject node:internal/http2/util:706:24")).toEqual({
      name: "toHeaderObject",
      url: "node:internal/http2/util",
      line: 706,
    });
    expect(jsFrameOf("JS:*get requestHeader /srv/main.js:36766:5")).toEqual({
      name: "get requestHeader",
      url: "/srv/main.js",
      line: 36766,
    });
    expect(jsFrameOf(`JS:* ${GRPC_JS}:754:50`)).toEqual({ name: "", url: GRPC_JS, line: 754 });
  });

  it("is undefined for native code", () => {
    expect(jsFrameOf("Builtins_LoadIC_Megamorphic")).toBeUndefined();
    expect(jsFrameOf("[unknown]")).toBeUndefined();
  });
});

describe("tallyOwners", () => {
  it("gives a sample to the nearest JavaScript frame's owner, else to GC or native code", () => {
    const tally = tallyOwners(SCRIPT, (owner) => owner.startsWith("token-server/"));
    expect(tally.samples).toBe(4);
    expect(Object.fromEntries(tally.byOwner)).toEqual({
      "node:internal/http2": 1,
      [NATIVE_KERNEL]: 1,
      [GC_OWNER]: 1,
      "@grpc/grpc-js": 1,
    });
    // Only the detailed owners' functions, and only from samples that are theirs.
    expect(Object.fromEntries(tally.byFunction)).toEqual({});
  });

  it("details the functions of the owners asked for, adding to an earlier tally", () => {
    const ours = `node  1 1.0: 1 cpu-clock:ppp: 
\t    7f36832766dc JS:*slotFor /work/main/apps/token-server/dist/main.js:35196:10+0x35c (/tmp/perf-1.map)

node  1 1.1: 1 cpu-clock:ppp: 
\t          4a0000 uv__io_poll+0x4db (/usr/bin/node)
`;
    const first = tallyOwners(ours, (owner) => owner.startsWith("token-server/"));
    const both = tallyOwners(ours, (owner) => owner.startsWith("token-server/"), first);
    expect(both.samples).toBe(4);
    expect(both.byOwner.get("token-server/main.js")).toBe(2);
    expect(both.byOwner.get(NATIVE_USER)).toBe(2);
    expect(Object.fromEntries(both.byFunction)).toEqual({
      "slotFor token-server/main.js:35196": 2,
    });
  });
});
