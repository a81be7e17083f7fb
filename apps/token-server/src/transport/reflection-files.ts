// What server reflection answers from: the real .proto files the services are defined in
// (each FileDescriptorProto as generated, with its true name, package and imports), any
// further files a client needs (google/rpc/status.proto for error details) and all their
// imports, indexed by file name, by symbol and by extension.
import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

export class ReflectionFiles {
  private readonly byName = new Map<string, DescFile>();
  private readonly bySymbol = new Map<string, DescFile>();
  private readonly messageTypes = new Set<string>();
  /** Extended message type → extension field number → the file declaring the extension. */
  private readonly extensions = new Map<string, Map<number, DescFile>>();
  private readonly encoded = new Map<DescFile, Uint8Array>();
  readonly serviceNames: readonly string[];

  constructor(services: readonly DescService[], files: readonly DescFile[]) {
    this.serviceNames = services.map((service) => service.typeName);
    for (const file of [...services.map((service) => service.file), ...files]) {
      this.add(file);
    }
  }

  private add(file: DescFile): void {
    // DescFile.name drops ".proto"; reflection speaks the file's real name.
    if (this.byName.has(file.proto.name)) {
      return;
    }
    this.byName.set(file.proto.name, file);
    for (const type of nestedTypes(file)) {
      this.bySymbol.set(type.typeName, file);
      if (type.kind === "message") {
        this.messageTypes.add(type.typeName);
      } else if (type.kind === "service") {
        for (const method of type.methods) {
          this.bySymbol.set(`${type.typeName}.${method.name}`, file);
        }
      } else if (type.kind === "extension") {
        const numbers = this.extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
        this.extensions.set(type.extendee.typeName, numbers.set(type.number, file));
      }
    }
    for (const dependency of file.dependencies) {
      this.add(dependency);
    }
  }

  /** The file named `name` (e.g. "wxtoken/v1/token.proto") and every file it imports. */
  fileByName(name: string): Uint8Array[] | undefined {
    const file = this.byName.get(name);
    return file === undefined ? undefined : this.withImports(file);
  }

  /** The file declaring `symbol` (a message, enum, service, method or extension) and its imports. */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined {
    const file = this.bySymbol.get(symbol);
    return file === undefined ? undefined : this.withImports(file);
  }

  /** The file declaring extension `number` of message `typeName` and its imports. */
  fileContainingExtension(typeName: string, number: number): Uint8Array[] | undefined {
    const file = this.extensions.get(typeName)?.get(number);
    return file === undefined ? undefined : this.withImports(file);
  }

  /** The extension numbers of message `typeName`; undefined if no such message is known. */
  extensionNumbersOf(typeName: string): number[] | undefined {
    return this.messageTypes.has(typeName)
      ? [...(this.extensions.get(typeName)?.keys() ?? [])]
      : undefined;
  }

  /** `file` first, then every file it imports directly or indirectly, each once, encoded. */
  private withImports(file: DescFile): Uint8Array[] {
    const files: DescFile[] = [];
    const visit = (next: DescFile) => {
      if (!files.includes(next)) {
        files.push(next);
        next.dependencies.forEach(visit);
      }
    };
    visit(file);
    return files.map((next) => this.encode(next));
  }

  private encode(file: DescFile): Uint8Array {
    const known = this.encoded.get(file);
    if (known !== undefined) {
      return known;
    }
    const bytes = toBinary(FileDescriptorProtoSchema, file.proto);
    this.encoded.set(file, bytes);
    return bytes;
  }
}
