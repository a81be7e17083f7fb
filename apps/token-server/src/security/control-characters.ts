// Control characters in text that came from a request: C0, DEL, C1, the line and
// paragraph separators and the bidirectional controls. An error message that quotes
// input shows them escaped as \uXXXX, so it can neither forge a log line nor hide text.
const CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069";
const HAS_CONTROL = new RegExp(`[${CONTROL}]`, "u");
const EVERY_CONTROL = new RegExp(`[${CONTROL}]`, "gu");

const escaped = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** `text` with every control character written as \uXXXX; other text as it is. */
export function escapeControlCharacters(text: string): string {
  return HAS_CONTROL.test(text) ? text.replace(EVERY_CONTROL, escaped) : text;
}

/** Whether `text` holds a control character. */
export function hasControlCharacter(text: string): boolean {
  return HAS_CONTROL.test(text);
}
