// The HandlerContext of a call on the native gRPC server, built lazily: the abort signal,
// headers and context values exist only once an implementation reads them, so a call
// answered from memory (GetToken) allocates almost nothing.
import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextValues,
  type HandlerContext,
} from "@connectrpc/connect";
import type { Metadata, ServerUnaryCall, ServerWritableStream } from "@grpc/grpc-js";
import { certificateIdentities, peerIdentitiesKey } from "../security/peer-identity.js";
import type { GrpcRequest } from "./grpc-request.js";
import { headersToMetadata } from "./grpc-status.js";
import { MetadataHeaders } from "./metadata-headers.js";

export type GrpcCall =
  | ServerUnaryCall<GrpcRequest, Message>
  | ServerWritableStream<GrpcRequest, Message>;

export class GrpcHandlerContext implements HandlerContext {
  readonly protocolName = "grpc";
  readonly requestMethod = "POST";
  private readonly deadlineMs: number;
  private controller: AbortController | undefined;
  private release: (() => void) | undefined;
  private headers: Headers | undefined;
  private outHeaders: Headers | undefined;
  private outTrailers: Headers | undefined;
  private contextValues: ContextValues | undefined;

  constructor(
    readonly service: DescService,
    readonly method: DescMethod,
    private readonly call: GrpcCall,
    private readonly shutdown: AbortSignal,
  ) {
    const deadline = call.getDeadline();
    this.deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  }

  get url(): string {
    return this.call.getPath();
  }

  timeoutMs(): number | undefined {
    return Number.isFinite(this.deadlineMs) ? this.deadlineMs - Date.now() : undefined;
  }

  /** Aborts on the deadline, on client cancellation, on shutdown and when the call ends. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      const controller = new AbortController();
      const onCancel = () =>
        controller.abort(new ConnectError("cancelled by the client", Code.Canceled));
      const onShutdown = () =>
        controller.abort(new ConnectError("the server is shutting down", Code.Unavailable));
      const remaining = this.timeoutMs();
      const timer =
        remaining === undefined
          ? undefined
          : setTimeout(
              () =>
                controller.abort(
                  new ConnectError("the deadline was exceeded", Code.DeadlineExceeded),
                ),
              Math.max(0, remaining),
            );
      this.call.once("cancelled", onCancel);
      this.shutdown.addEventListener("abort", onShutdown, { once: true });
      if (this.shutdown.aborted) {
        onShutdown();
      }
      this.release = () => {
        clearTimeout(timer);
        this.call.off("cancelled", onCancel);
        this.shutdown.removeEventListener("abort", onShutdown);
      };
      this.controller = controller;
    }
    return this.controller.signal;
  }

  get requestHeader(): Headers {
    this.headers ??= new MetadataHeaders(this.call.metadata);
    return this.headers;
  }

  get responseHeader(): Headers {
    this.outHeaders ??= new Headers();
    return this.outHeaders;
  }

  get responseTrailer(): Headers {
    this.outTrailers ??= new Headers();
    return this.outTrailers;
  }

  get values(): ContextValues {
    if (this.contextValues === undefined) {
      let identities: readonly string[] | undefined;
      this.contextValues = createContextValues().set(peerIdentitiesKey, () => {
        identities ??= certificateIdentities(this.call.getAuthContext().sslPeerCertificate);
        return identities;
      });
    }
    return this.contextValues;
  }

  /** Response headers set by the implementation, if any. */
  headersToSend(): Headers | undefined {
    return this.outHeaders;
  }

  /** Response headers set by the implementation as gRPC metadata; undefined if none. */
  headersToSendAsMetadata(): Metadata | undefined {
    const headers = this.outHeaders;
    return headers !== undefined && [...headers.keys()].length > 0
      ? headersToMetadata(headers)
      : undefined;
  }

  /** Response trailers set by the implementation, if any. */
  trailersToSend(): Headers | undefined {
    return this.outTrailers;
  }

  /** Ends the call's signal (if anyone asked for it) and releases its listeners. */
  done(): void {
    this.release?.();
    this.controller?.abort(new ConnectError("the call has ended", Code.Canceled));
  }
}
