// Control characters from a request are escaped wherever the server echoes them.
import { describe, expect, it } from "vitest";
import { escapeControlCharacters, hasControlCharacter } from "./control-characters.js";

describe("escapeControlCharacters", () => {
  it("leaves ordinary text as it is", () => {
    const text = 'app_id: app "wx1234 例え\\x" is not configured';
    expect(escapeControlCharacters(text)).toBe(text);
  });

  it("escapes C0, DEL, C1, separators and bidirectional controls", () => {
    expect(escapeControlCharacters("a\u0000b\u001b[31m\r\n\t\u007f\u0085\u2028\u202e\u2066")).toBe(
      "a\\u0000b\\u001b[31m\\u000d\\u000a\\u0009\\u007f\\u0085\\u2028\\u202e\\u2066",
    );
  });

  it("tells control characters apart from ordinary text", () => {
    expect(hasControlCharacter("https://例え.jp/a b")).toBe(false);
    expect(hasControlCharacter("a\tb")).toBe(true);
    expect(hasControlCharacter("a\u2066b")).toBe(true);
  });
});
