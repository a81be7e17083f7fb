// Memory the process let go of in bulk, told to whoever keeps the heap (the idle
// collection). An object that dies in the old generation, unlike one promoted to it, does
// not grow it: nothing V8 reports without a full GC says a quiet process holds that
// garbage. A table that drops thousands of long-lived objects at once (the gateway's old
// tokens expiring, refresh.lead_s after a round replaced them) says how much. Carried on a
// diagnostics channel: with no subscriber (memory.collect_when_idle: false) it costs a
// check.
import { channel } from "node:diagnostics_channel";

const released = channel("wxtoken.memory.released");

/** Reports `bytes` of objects the process no longer refers to. */
export function reportReleased(bytes: number): void {
  if (released.hasSubscribers) {
    released.publish(bytes);
  }
}

/** Calls `listener` with each report; returns what stops it. */
export function onReleased(listener: (bytes: number) => void): () => void {
  const onMessage = (message: unknown) => listener(message as number);
  released.subscribe(onMessage);
  return () => {
    released.unsubscribe(onMessage);
  };
}
