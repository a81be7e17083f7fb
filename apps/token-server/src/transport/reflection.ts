// gRPC server reflection (v1 and v1alpha) on the native port, so grpcurl and grpcui can
// list and call the services. The descriptors come from the generated code: no .proto
// files are needed at run time.
import { create, type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

/** Every file the services are defined in, dependencies first, each once. */
function filesOf(services: readonly DescService[]): DescFile[] {
  const files: DescFile[] = [];
  const visit = (file: DescFile) => {
    if (!files.includes(file)) {
      file.dependencies.forEach(visit);
      files.push(file);
    }
  };
  for (const service of services) {
    visit(service.file);
  }
  return files;
}

export function addReflection(server: Server, services: readonly DescService[]): void {
  const set = create(FileDescriptorSetSchema, {
    file: filesOf(services).map((file) => file.proto),
  });
  const definition = loadFileDescriptorSetFromBuffer(
    Buffer.from(toBinary(FileDescriptorSetSchema, set)),
  );
  new ReflectionService(definition).addToServer(server);
}
