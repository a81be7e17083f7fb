// MetadataHeaders reads and writes gRPC metadata through the Headers API.
import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { MetadataHeaders } from "./metadata-headers.js";

describe("MetadataHeaders", () => {
  it("reads values case-insensitively, joins repeats, and shows -bin values as base64", () => {
    const metadata = new Metadata();
    metadata.add("authorization", "Bearer k");
    metadata.add("x-tag", "a");
    metadata.add("x-tag", "b");
    metadata.add("trace-bin", Buffer.from([1, 2, 3]));
    const headers = new MetadataHeaders(metadata);
    expect(headers.get("Authorization")).toBe("Bearer k");
    expect(headers.get("x-tag")).toBe("a, b");
    expect(headers.get("trace-bin")).toBe("AQID");
    expect(headers.get("missing")).toBeNull();
    expect([...headers]).toEqual([
      ["authorization", "Bearer k"],
      ["trace-bin", "AQID"],
      ["x-tag", "a, b"],
    ]);
  });

  it("writes through to the metadata", () => {
    const metadata = new Metadata();
    const headers = new MetadataHeaders(metadata);
    headers.set("X-One", "1");
    headers.append("x-one", "2");
    headers.set("blob-bin", "AQID");
    expect(metadata.get("x-one")).toEqual(["1", "2"]);
    expect(metadata.get("blob-bin")).toEqual([Buffer.from([1, 2, 3])]);
    headers.delete("x-one");
    expect(headers.has("x-one")).toBe(false);
  });
});
