// A service and its transport-free implementation, ready for either front door, with
// every failure below it mapped to a status in one place.
import type { DescService } from "@bufbuild/protobuf";
import { createServiceImplSpec, type ServiceImpl, type ServiceImplSpec } from "@connectrpc/connect";
import { withStatuses } from "../services/status-boundary.js";

export type ServiceBinding = ServiceImplSpec;

export function bindService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
): ServiceBinding {
  return createServiceImplSpec<S>(service, withStatuses(service, impl));
}

/**
 * Asked once per method ("Service/Method"), at setup; what it returns is told of every
 * finished call of that method: the status code's name ("OK", "NotFound", ...) and seconds.
 */
export type RpcObserver = (method: string) => (code: string, seconds: number) => void;
