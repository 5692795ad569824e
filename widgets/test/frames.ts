// Animation frames that run only when the test says so, on one clock that performance.now()
// reads too. Shared by the DOM tests of the whole view (view, loading, new_views); the state
// lives for one test file, as vitest gives each file its own modules.
import { vi } from "vitest";

let queue = new Map<number, FrameRequestCallback>();
let nextId = 1;

/** The one clock of the test file (`now`: performance.now() and the frames' timestamps, in ms,
 * moving 16 ms a frame) and how many frames were asked for since `stubFrames()`. */
export const frameClock = { now: 1000, requests: 0 };

/** Queue animation frames instead of running them and read `frameClock.now` as
 * performance.now(); call in `beforeEach`, undone by `vi.unstubAllGlobals()` and
 * `vi.restoreAllMocks()`. */
export function stubFrames(): void {
  queue = new Map();
  frameClock.requests = 0;
  vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => {
    frameClock.requests++;
    const id = nextId++;
    queue.set(id, cb);
    return id;
  });
  vi.stubGlobal("cancelAnimationFrame", (id: number) => queue.delete(id));
  vi.spyOn(performance, "now").mockImplementation(() => frameClock.now);
}

/** Run the queued frames, and those they ask for, up to `max` rounds; returns the rounds run. */
export function runFrames(max = 50): number {
  let ran = 0;
  while (queue.size && ran < max) {
    const batch = [...queue.values()];
    queue.clear();
    frameClock.now += 16;
    for (const cb of batch) cb(frameClock.now);
    ran++;
  }
  return ran;
}
