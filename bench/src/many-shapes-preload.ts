// Preloaded (node --import) into a bare reference server by shared-code-shapes.js: before
// the server starts, node's shared JavaScript (EventEmitter, the stream classes,
// AbortSignal, timers) runs over a dozen other object shapes, as it does in a process
// where many libraries use it. Its inline caches then see many shapes, as in wxtoken.
import { EventEmitter } from "node:events";
import { Duplex, PassThrough, Readable, Transform, Writable } from "node:stream";

const ROUNDS = 3_000;
const EMITTER_SHAPES = 12;

/** EventEmitter subclasses whose instances differ in shape (one own field, named apart). */
const emitterClasses = Array.from(
  { length: EMITTER_SHAPES },
  (_, shape) =>
    class extends EventEmitter {
      constructor() {
        super();
        Object.defineProperty(this, `field${shape}`, { value: shape, enumerable: true });
      }
    },
);

const ignore = () => undefined;
const passOn = (chunk: unknown, _encoding: BufferEncoding, done: (e: null, c: unknown) => void) =>
  done(null, chunk);
const accept = (_chunk: unknown, _encoding: BufferEncoding, done: () => void) => done();

for (let round = 0; round < ROUNDS; round++) {
  for (const Emitter of emitterClasses) {
    const emitter = new Emitter();
    emitter.on("data", ignore);
    emitter.once("end", ignore);
    emitter.on("close", ignore);
    emitter.emit("data", round);
    emitter.emit("end");
    emitter.emit("close");
    emitter.off("data", ignore);
    emitter.removeAllListeners();
  }
  const streams = [
    new PassThrough(),
    new Transform({ transform: passOn }),
    new Readable({ read: ignore }),
    new Writable({ write: accept }),
    new Duplex({ read: ignore, write: accept }),
  ];
  for (const stream of streams) {
    stream.on("data", ignore);
    stream.on("error", ignore);
    stream.on("close", ignore);
    if (stream instanceof Writable) {
      stream.write(Buffer.from(`chunk ${round}`));
    }
    if (stream instanceof Readable) {
      stream.push("chunk");
    }
    stream.destroy();
  }
  const controller = new AbortController();
  controller.signal.addEventListener("abort", ignore, { once: true });
  controller.abort(new Error("aborted"));
  clearTimeout(setTimeout(ignore, 1_000));
}
