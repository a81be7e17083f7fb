// Preloaded (node --import) into a server whose start is profiled: records a V8 CPU profile
// from before the server's modules load, and on SIGUSR2 writes it to
// $CPU_PROFILE_FILE (Node 20 refuses --cpu-prof in NODE_OPTIONS).
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
session.post("Profiler.start");
process.on("SIGUSR2", () => {
  session.post("Profiler.stop", (error, result) => {
    writeFileSync(file, JSON.stringify(error === null ? result.profile : { error: error.message }));
  });
});
