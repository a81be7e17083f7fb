// The simulator on a thread of its own, for a benchmark that times calls by when the
// simulator receives them: a pause of the benchmark's own event loop (its GC, etcd's
// watch events it counts) then delays only the delivery of the stamped calls, not the
// stamps. Driven through the simulator's /__sim/ API, as one in another process.
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import {
  type OpenPlatformControl,
  type SimCall,
  SimulatorAdmin,
  type SimulatorOptions,
} from "@wxtoken/wechat-sim";

export interface ThreadSimulator {
  /** E.g. "http://127.0.0.1:PORT". */
  readonly url: string;
  readonly openPlatform: OpenPlatformControl;
  /** Starts measuring the simulator thread's longest event-loop stall anew. */
  resetStalls(): void;
  /** The simulator thread's longest event-loop stall since resetStalls (10 ms resolution). */
  longestStallMs(): Promise<number>;
  /** Closes the simulator and ends its thread. */
  close(): Promise<void>;
}

type WorkerMessage = { url: string } | { calls: SimCall[] } | { longestStallMs: number };

/** Starts the simulator with `options` (data only, but onCall) on a worker thread. */
export async function startThreadSimulator(options: SimulatorOptions): Promise<ThreadSimulator> {
  const { onCall, ...data } = options;
  const worker = new Worker(new URL("./simulator-thread-worker.js", import.meta.url), {
    workerData: data,
  });
  const stallReads: ((ms: number) => void)[] = [];
  const started = new Promise<string>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (message: WorkerMessage) => {
      if ("url" in message) {
        resolve(message.url);
      } else if ("calls" in message) {
        for (const call of message.calls) {
          onCall?.(call);
        }
      } else {
        stallReads.shift()?.(message.longestStallMs);
      }
    });
  });
  const url = await started;
  return {
    url,
    openPlatform: new SimulatorAdmin(url),
    resetStalls() {
      worker.postMessage("reset-stalls");
    },
    longestStallMs() {
      return new Promise((resolve) => {
        stallReads.push(resolve);
        worker.postMessage("read-stalls");
      });
    },
    async close() {
      const exited = once(worker, "exit");
      worker.postMessage("close");
      await exited;
    },
  };
}
