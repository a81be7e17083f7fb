// The serializer of a gRPC method's responses, remembering the bytes of each message
// object it was given.
import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { memoByObject } from "../services/object-memo.js";

/**
 * Serializes a response, remembering the bytes of each message object: an
 * implementation that returns the same message again (GetToken returns one response per
 * credential, WatchToken pushes one per change to every stream) is not serialized again.
 * The Buffer is a view of toBinary's own bytes: a copy would be a slice of node's shared
 * 8 KB pool, and one kept slice keeps its whole slab (3.4 KB per credential at 2,000).
 */
export function cachedSerializer<D extends DescMessage>(desc: D) {
  return memoByObject((message: MessageShape<D>) => {
    const bytes = toBinary(desc, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
}
