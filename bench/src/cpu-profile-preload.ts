// Preloaded (node --import) into a server whose CPU is profiled: records a V8 CPU profile
// and on SIGUSR2 writes it to $CPU_PROFILE_FILE (Node 20 refuses --cpu-prof in
// NODE_OPTIONS). By default it records from before the server's modules load; with
// CPU_PROFILE_FROM_SIGNAL=1 the first SIGUSR2 starts it and the second writes it (one
// phase of a long run, e.g. a refresh round).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const file = process.env.CPU_PROFILE_FILE;
if (file === undefined) {
  throw new Error("cpu-profile-preload: CPU_PROFILE_FILE is not set");
}
const session = new Session();
session.connect();
session.post("Profiler.setSamplingInterval", { interval: 500 });
session.post("Profiler.enable");
let recording = process.env.CPU_PROFILE_FROM_SIGNAL !== "1";
if (recording) {
  session.post("Profiler.start");
}
process.on("SIGUSR2", () => {
  if (!recording) {
    recording = true;
    session.post("Profiler.start");
    return;
  }
  session.post("Profiler.stop", (error, result) => {
    writeFileSync(file, JSON.stringify(error === null ? result.profile : { error: error.message }));
  });
});
