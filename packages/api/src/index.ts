// @wxtoken/api: the generated wxtoken.v1 messages and service descriptors, plus the
// standard grpc.health.v1 and google.rpc.Status that the server speaks.
export * from "./gen/google/rpc/status_pb.js";
export * from "./gen/grpc/health/v1/health_pb.js";
export * from "./gen/wxtoken/v1/admin_pb.js";
export * from "./gen/wxtoken/v1/code_pb.js";
export * from "./gen/wxtoken/v1/message_pb.js";
export * from "./gen/wxtoken/v1/open_platform_pb.js";
export * from "./gen/wxtoken/v1/token_pb.js";
