// The worker behind simulator-thread.ts: runs the simulator on this thread, sends the calls
// it receives to the parent (a batch per turn of this thread's event loop), and measures
// this thread's longest event-loop stall since the parent last asked it to start again.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { type SimCall, type SimulatorOptions, startSimulator } from "@wxtoken/wechat-sim";

const port = parentPort;
if (port === null) {
  throw new Error("simulator-thread-worker.js runs as a worker thread");
}
let batch: SimCall[] = [];
const sim = await startSimulator({
  ...(workerData as SimulatorOptions),
  onCall(call) {
    if (batch.length === 0) {
      setImmediate(() => {
        port.postMessage({ calls: batch });
        batch = [];
      });
    }
    batch.push(call);
  },
});
const stalls = monitorEventLoopDelay({ resolution: 10 });
stalls.enable();
port.on("message", async (message: unknown) => {
  if (message === "reset-stalls") {
    stalls.reset();
  } else if (message === "read-stalls") {
    port.postMessage({ longestStallMs: stalls.max / 1e6 });
  } else if (message === "close") {
    stalls.disable();
    await sim.close();
    port.close();
  }
});
port.postMessage({ url: sim.url });
