// The Fetch API Headers of a gRPC call, read straight from its grpc-js Metadata: no copy,
// no per-call parsing, which matters on GetToken's hot path. `-bin` values read as base64.
import type { Metadata, MetadataValue } from "@grpc/grpc-js";

const text = (value: MetadataValue) =>
  typeof value === "string" ? value : value.toString("base64");

export class MetadataHeaders implements Headers {
  constructor(private readonly metadata: Metadata) {}

  get(name: string): string | null {
    const values = this.metadata.get(name.toLowerCase());
    return values.length === 0 ? null : values.map(text).join(", ");
  }

  has(name: string): boolean {
    return this.metadata.get(name.toLowerCase()).length > 0;
  }

  set(name: string, value: string): void {
    this.metadata.set(
      name.toLowerCase(),
      name.endsWith("-bin") ? Buffer.from(value, "base64") : value,
    );
  }

  append(name: string, value: string): void {
    this.metadata.add(
      name.toLowerCase(),
      name.endsWith("-bin") ? Buffer.from(value, "base64") : value,
    );
  }

  delete(name: string): void {
    this.metadata.remove(name.toLowerCase());
  }

  getSetCookie(): string[] {
    return this.metadata.get("set-cookie").map(text);
  }

  *entries(): IterableIterator<[string, string]> {
    const names = Object.keys(this.metadata.toJSON()).sort();
    for (const name of names) {
      yield [name, this.get(name) ?? ""];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) {
      yield name;
    }
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) {
      yield value;
    }
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void): void {
    for (const [name, value] of this.entries()) {
      callback(value, name, this);
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
