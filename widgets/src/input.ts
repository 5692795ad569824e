// Pointer and keyboard input on one canvas view: hover ring and tooltip, clicks and wheel handed
// to the active renderer, and the keyboard map. Every listener is registered with the view's
// AbortSignal, so aborting it removes them all.
import type { Controller } from "./controller";
import type { Renderer } from "./renderer";

export type Command = "play" | "step" | "marker" | "faster" | "slower" | "home" | "end" | "view" | "fold" | "deselect";

export interface KeyBinding {
  command: Command;
  dir?: 1 | -1;
}

/** The keyboard map: what each key does (shift+arrows step between markers). */
export function keyCommand(key: string, shift: boolean): KeyBinding | null {
  switch (key) {
    case " ":
      return { command: "play" };
    case "ArrowRight":
    case "ArrowLeft":
      return { command: shift ? "marker" : "step", dir: key === "ArrowRight" ? 1 : -1 };
    case "+":
    case "=":
      return { command: "faster" };
    case "-":
    case "_":
      return { command: "slower" };
    case "Home":
      return { command: "home" };
    case "End":
      return { command: "end" };
    case "v":
      return { command: "view" };
    case "c":
      return { command: "fold" };
    case "Escape":
      return { command: "deselect" };
    default:
      return null;
  }
}

/** The keys as the inspector lists them when nothing is selected. */
export const KEY_HELP = "space play/pause · ←/→ previous/next event · shift+←/→ previous/next marker · +/− speed · Home/End · v view · c fold a subtree (tree view) · Esc deselect";

/** Keys pressed in a select or a text field are that control's, not the canvas's. */
function typing(el: HTMLElement): boolean {
  const tag = el.tagName;
  if (tag === "SELECT" || tag === "TEXTAREA" || el.isContentEditable) return true;
  return tag === "INPUT" && !["checkbox", "radio", "button"].includes((el as HTMLInputElement).type);
}

export interface InputTargets {
  root: HTMLElement;
  stage: HTMLElement;
  canvas: HTMLCanvasElement;
  tip: HTMLElement;
}

export class Input {
  /** The actor under the pointer (drawn with a hover ring), or -1. */
  hoverActor = -1;
  /** The pointer over the canvas: the tooltip follows it and the playhead while shown. */
  private pointer: [number, number] | null = null;

  constructor(
    private readonly el: InputTargets,
    private readonly ctl: Controller,
    private readonly renderer: () => Renderer,
    private readonly invalidate: () => void,
    signal: AbortSignal,
  ) {
    const { canvas, root } = el;
    const opts = { signal };
    canvas.addEventListener("mousemove", (e) => this.move(e), opts);
    canvas.addEventListener("mouseleave", () => this.leave(), opts);
    canvas.addEventListener("click", (e) => this.click(e), opts);
    canvas.addEventListener("dblclick", (e) => this.renderer().dblclick?.(...this.local(e)), opts);
    canvas.addEventListener("wheel", (e) => this.wheel(e), { signal, passive: false });
    root.addEventListener("keydown", (e) => this.key(e), opts);
  }

  private local(e: MouseEvent): [number, number] {
    const r = this.el.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private move(e: MouseEvent): void {
    this.pointer = this.local(e);
    this.updateTip();
  }

  private leave(): void {
    this.hideTip();
    if (this.hoverActor >= 0) {
      this.hoverActor = -1;
      this.invalidate();
    }
  }

  private click(e: MouseEvent): void {
    const [x, y] = this.local(e);
    this.el.root.focus({ preventScroll: true });
    this.renderer().click(x, y);
  }

  private wheel(e: WheelEvent): void {
    if (this.renderer().wheel?.(e)) e.preventDefault();
  }

  hideTip(): void {
    this.pointer = null;
    this.el.tip.style.display = "none";
  }

  /** Recompute the hover ring and the tooltip at the pointer (after each draw while shown). */
  updateTip(): void {
    if (!this.pointer) return;
    const [x, y] = this.pointer;
    const r = this.renderer();
    const a = r.actorAt(x, y);
    if (a !== this.hoverActor) {
      this.hoverActor = a;
      this.invalidate();
    }
    const text = r.tip(x, y);
    const { tip, stage } = this.el;
    tip.style.display = text ? "block" : "none";
    if (text) {
      tip.textContent = text;
      tip.style.left = `${Math.min(x + 12, stage.clientWidth - 200)}px`;
      tip.style.top = `${y + 12}px`;
    }
  }

  /** Run a key binding; false when it does nothing here (the key is then left to the page). */
  run(b: KeyBinding): boolean {
    const { ctl } = this;
    const dir = b.dir ?? 1;
    switch (b.command) {
      case "play":
        ctl.togglePlay();
        return true;
      case "step":
        ctl.step(dir);
        return true;
      case "marker":
        ctl.marker(dir);
        return true;
      case "faster":
        ctl.faster(1);
        return true;
      case "slower":
        ctl.faster(-1);
        return true;
      case "home":
        ctl.setPlayhead(ctl.store.t0, true);
        return true;
      case "end":
        ctl.setPlayhead(ctl.store.t1, true);
        return true;
      case "view":
        this.hideTip();
        ctl.nextView();
        return true;
      case "fold": {
        const r = this.renderer();
        if (!r.fold) return false;
        r.fold(ctl.selectedActor);
        return true;
      }
      case "deselect":
        this.hideTip();
        ctl.select({ kind: "none" });
        return true;
    }
  }

  private key(e: KeyboardEvent): void {
    if (typing(e.target as HTMLElement)) return;
    const b = keyCommand(e.key, e.shiftKey);
    if (b && this.run(b)) {
      e.preventDefault();
      e.stopPropagation();
    }
  }
}
