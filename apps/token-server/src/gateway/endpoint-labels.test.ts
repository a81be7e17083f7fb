// Endpoint labels stay a bounded set of paths: no query, no ids, at most 256.
import { describe, expect, it } from "vitest";
import { EndpointLabels } from "./endpoint-labels.js";

describe("EndpointLabels", () => {
  it("keeps WeChat's paths, masks id-like segments, and refuses what is not a path", () => {
    const labels = new EndpointLabels();
    expect(labels.of("/cgi-bin/message/template/send")).toBe("/cgi-bin/message/template/send");
    expect(labels.of("/cgi-bin/user/info/1234567")).toBe("/cgi-bin/user/info/:id");
    expect(labels.of(`/wxa/${"x".repeat(40)}`)).toBe("/wxa/:id");
    expect(labels.of("/cgi-bin/a b")).toBe("/other");
    expect(labels.of("/")).toBe("/other");
  });

  it("answers /other for new paths once 256 are known, and the known ones as before", () => {
    const labels = new EndpointLabels();
    for (let i = 0; i < 256; i++) {
      labels.of(`/cgi-bin/path${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}`);
    }
    expect(labels.of("/cgi-bin/patha0")).toBe("/cgi-bin/patha0");
    expect(labels.of("/cgi-bin/another")).toBe("/other");
  });
});
