// The JS-SDK signature matches WeChat's published example and ignores the fragment.
import { describe, expect, it } from "vitest";
import { createNonce, jsSdkSignature, urlWithoutFragment } from "./js-sdk-signature.js";

describe("jsSdkSignature", () => {
  it("reproduces the example of WeChat's JS-SDK documentation", () => {
    const ticket =
      "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    expect(
      jsSdkSignature(
        ticket,
        "Wm3WZYTPz0wzccnW",
        1414587457,
        "http://mp.weixin.qq.com?params=value",
      ),
    ).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  });

  it("signs the URL without its fragment", () => {
    expect(urlWithoutFragment("https://a.example/p?x=1#/route")).toBe("https://a.example/p?x=1");
    expect(jsSdkSignature("t", "n", 1, "https://a.example/#x")).toBe(
      jsSdkSignature("t", "n", 1, "https://a.example/"),
    );
  });

  it("makes 16-character alphanumeric nonces that differ", () => {
    const a = createNonce();
    expect(a).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(createNonce()).not.toBe(a);
  });
});
