// grpc.health.v1.Health on both transports, no key needed: SERVING while the server
// runs, NOT_SERVING once it shuts down.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  AdminService,
  CodeService,
  type Health,
  type HealthCheckRequest,
  HealthCheckResponseSchema,
  MessageService,
  HealthCheckResponse_ServingStatus as ServingStatus,
  TokenService,
} from "@wxtoken/api";

/** "" is the server as a whole. */
const SERVICES = new Set([
  "",
  TokenService.typeName,
  MessageService.typeName,
  AdminService.typeName,
  CodeService.typeName,
]);

export class HealthServiceImpl implements ServiceImpl<typeof Health> {
  constructor(private readonly shutdown: AbortSignal) {}

  private status(service: string): ServingStatus {
    if (!SERVICES.has(service)) {
      return ServingStatus.SERVICE_UNKNOWN;
    }
    return this.shutdown.aborted ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
  }

  check(request: HealthCheckRequest) {
    const status = this.status(request.service);
    if (status === ServingStatus.SERVICE_UNKNOWN) {
      throw new ConnectError(`service: ${request.service} is not served here`, Code.NotFound);
    }
    return create(HealthCheckResponseSchema, { status });
  }

  async *watch(request: HealthCheckRequest, context: HandlerContext) {
    yield create(HealthCheckResponseSchema, { status: this.status(request.service) });
    if (this.status(request.service) !== ServingStatus.SERVING) {
      return;
    }
    const ended = AbortSignal.any([context.signal, this.shutdown]);
    await new Promise((resolve) => ended.addEventListener("abort", resolve, { once: true }));
    if (this.shutdown.aborted) {
      yield create(HealthCheckResponseSchema, { status: ServingStatus.NOT_SERVING });
    }
  }
}
