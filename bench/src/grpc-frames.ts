// gRPC's length-prefixed message framing, for the benchmarks' own load: request bodies for
// h2load, and a reader that splits a stream's bytes into messages.

/** A gRPC message with its 5-byte length prefix, as sent on the wire. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** Splits the DATA of one gRPC response stream, however it is chunked, into messages. */
export class GrpcFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Takes the next chunk; returns the messages it completes. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const messages: Buffer[] = [];
    while (this.buffered.length >= 5) {
      const end = 5 + this.buffered.readUInt32BE(1);
      if (this.buffered.length < end) {
        break;
      }
      messages.push(this.buffered.subarray(5, end));
      this.buffered = this.buffered.subarray(end);
    }
    return messages;
  }
}
