// released-memory: a report reaches each listener from when it starts listening until it
// stops; one made before anyone listens is heard by no one.
import { expect, it } from "vitest";
import { onReleased, reportReleased } from "./released-memory.js";

it("tells each listener of every report until it stops listening", () => {
  reportReleased(1);
  const heard: number[] = [];
  const stop = onReleased((bytes) => heard.push(bytes));
  reportReleased(280);
  reportReleased(560);
  stop();
  reportReleased(840);
  expect(heard).toEqual([280, 560]);
});
