// What tokenctl prints: the response as protobuf JSON with --json, else aligned lines for a
// person; notes and errors go to stderr.
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

export class Output {
  constructor(readonly json: boolean) {}

  /**
   * Prints `message` as one line of protobuf JSON (every field, defaults included) with
   * --json, else the lines of `human`.
   */
  print<Desc extends DescMessage>(
    schema: Desc,
    message: MessageShape<Desc>,
    human: () => string[],
  ): void {
    const lines = this.json
      ? [JSON.stringify(toJson(schema, message, { alwaysEmitImplicit: true }))]
      : human();
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}

/** A message for the person at the terminal, on stderr. */
export function note(text: string): void {
  process.stderr.write(`tokenctl: ${text}\n`);
}

/** `label  value` lines with the values aligned. */
export function fieldLines(fields: [label: string, value: string][]): string[] {
  const width = Math.max(...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

/** An absolute time as ISO 8601 UTC, or "-" when unset. */
export function time(timestamp: Timestamp | undefined): string {
  return timestamp === undefined ? "-" : timestampDate(timestamp).toISOString();
}
