// @vitest-environment happy-dom
// A theme switch under a drawn canvas: the scrubber's markers and the legend take the new
// theme's shades (they are DOM, drawn once and kept, so they must be redrawn for it).
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { attach } from "../src/channel";
import { MARKER_COLOR, STATUS_COLOR, applyTheme } from "../src/palette";
import { LocalModel, type EmbeddedChunk } from "../src/standalone";
import { createView } from "../src/view";
import { stubCanvasDom } from "./dom_stubs";
import { Encoder, randomRun } from "./helpers";

let frames: FrameRequestCallback[] = [];
const tick = () => new Promise((r) => setTimeout(r, 0));
function runFrames(): void {
  for (let i = 0; i < 20 && frames.length; i++) {
    const batch = frames;
    frames = [];
    for (const cb of batch) cb(performance.now());
  }
}

beforeEach(() => {
  vi.stubGlobal("requestAnimationFrame", (cb: FrameRequestCallback) => frames.push(cb));
  vi.stubGlobal("cancelAnimationFrame", () => undefined);
  stubCanvasDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
  delete document.body.dataset.jpThemeLight;
  applyTheme(false);
});

/** "#rrggbb" as the DOM reads a colour back. */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

it("redraws the scrubber's markers and the legend in the dark theme's shades, and back", async () => {
  const enc = new Encoder();
  const { header, bytes } = enc.chunk(randomRun(7, 8, 400));
  const model = new LocalModel({ time: 0, view: "topology", height: 400 }, [{ header, data: bytes } as EmbeddedChunk]);
  const el = document.createElement("div");
  document.body.append(el);
  const store = attach(model);
  const view = createView(el, model, store);
  for (let i = 0; i < 10 && !store.n; i++) await tick();
  runFrames();
  const fail = () => view.root.querySelector<HTMLElement>(".ml-marker-fail");
  const legendIdle = () => [...view.root.querySelectorAll<HTMLElement>(".ml-legend .ml-sw")].map((e) => e.style.background);
  expect(fail()).not.toBeNull();
  const light = { fail: MARKER_COLOR.fail, idle: STATUS_COLOR.idle };
  expect([light.fail, rgb(light.fail)]).toContain(fail()!.style.background);
  expect(legendIdle().some((c) => c === light.idle || c === rgb(light.idle))).toBe(true);

  document.body.dataset.jpThemeLight = "false";
  await tick(); // the theme watcher asks for a frame
  runFrames();
  expect(view.root.dataset.theme).toBe("dark");
  expect(MARKER_COLOR.fail).not.toBe(light.fail);
  const dark = [MARKER_COLOR.fail, rgb(MARKER_COLOR.fail)];
  expect(dark).toContain(fail()!.style.background);
  expect(legendIdle().some((c) => c === STATUS_COLOR.idle || c === rgb(STATUS_COLOR.idle))).toBe(true);

  document.body.dataset.jpThemeLight = "true";
  await tick();
  runFrames();
  expect(view.root.dataset.theme).toBe("light");
  expect([light.fail, rgb(light.fail)]).toContain(fail()!.style.background);
  view.destroy();
});
