// What happy-dom lacks for a whole view: a 2D canvas context and the Option constructor.
// Shared by the DOM tests of the views (view.test.ts, new_views.test.ts, loading.test.ts).
import { afterEach, beforeEach, vi } from "vitest";
import { stubFrames } from "./frames";

/** A canvas context that accepts every call and measures text at 6 px a character. */
export function fakeContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const props: Record<string | symbol, unknown> = { canvas, font: "10px sans-serif", lineWidth: 1, globalAlpha: 1 };
  const calls = () => ({ width: 0, addColorStop() {} });
  return new Proxy(props, {
    get(target, p) {
      if (p in target) return target[p];
      if (p === "measureText") return (s: string) => ({ width: String(s).length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 });
      if (p === "getLineDash") return () => [];
      return calls;
    },
    set(target, p, v) {
      target[p] = v;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

/** Stub the Option constructor (the toolbar's selects use it) and every canvas's context;
 * undone by `vi.unstubAllGlobals()` and `vi.restoreAllMocks()`. */
export function stubCanvasDom(): void {
  if (typeof Option === "undefined") {
    vi.stubGlobal("Option", function (text = "", value = text) {
      const o = document.createElement("option");
      o.textContent = text;
      o.value = value;
      return o;
    });
  }
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockImplementation(function (this: HTMLCanvasElement) {
    const self = this as HTMLCanvasElement & { __ctx?: CanvasRenderingContext2D };
    return (self.__ctx ??= fakeContext(this)) as never;
  });
}

/** For a test file of whole views: before each test, frames on the file's clock
 * (`./frames`) and the canvas stubs; after it, every stub undone and the page emptied. */
export function stubViewDomEachTest(): void {
  beforeEach(() => {
    stubFrames();
    stubCanvasDom();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    document.body.replaceChildren();
  });
}
