// @wxtoken/api: the generated wxtoken.v1 messages and service descriptors.
export * from "./gen/wxtoken/v1/admin_pb.js";
export * from "./gen/wxtoken/v1/message_pb.js";
export * from "./gen/wxtoken/v1/token_pb.js";
