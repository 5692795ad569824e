// The animation loop of one canvas: a frame is requested only when something drawn changed
// (`invalidate`) or while the clock runs (playing, following, a push to the kernel due), so an
// idle canvas costs nothing between events; a page of many canvases does not wake them all
// sixty times a second.

export interface FrameHooks {
  /** Advance the clock by dt ms (0 on the first frame after idling); true if the playhead moved. */
  tick(now: number, dt: number): boolean;
  /** Draw the frame; returns the milliseconds it took. */
  draw(): number;
  /** True while frames must keep coming without any input. */
  busy(): boolean;
}

/** Durations of frames kept for the benchmarks (`ViewHandle.frameTimes`). */
const KEEP_FRAMES = 600;

export class FrameLoop {
  /** Durations (ms) of recent frames drawn by the loop. */
  readonly frameTimes: number[] = [];
  /** Frames the loop ran (drawn or not): what the idle test counts. */
  ticks = 0;
  private dirty = true;
  private raf = 0;
  private running = false; // inside a frame: an invalidate marks dirty, the frame's end re-requests
  private lastNow = 0;
  private continuous = false; // the previous frame asked for this one (dt is a frame's length)
  private wokeAt = 0;

  constructor(
    private readonly hooks: FrameHooks,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", () => this.cancel(), { once: true });
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Something drawn changed: draw it in the next frame. */
  invalidate = (): void => {
    this.dirty = true;
    if (!this.running) this.request();
  };

  /** A synchronous draw (tests, benchmarks) clears the need for one. */
  drawn(): void {
    this.dirty = false;
  }

  /** True while a frame is requested. */
  get pending(): boolean {
    return this.raf !== 0;
  }

  private request(): void {
    if (this.raf || this.signal.aborted) return;
    if (!this.continuous) this.wokeAt = performance.now();
    this.raf = requestAnimationFrame(this.frame);
  }

  private cancel(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
  }

  private frame = (now: number): void => {
    this.raf = 0;
    this.running = true;
    this.ticks++;
    // After idling, time starts from the wake-up, not from the last frame minutes ago.
    const dt = Math.max(0, now - (this.continuous ? this.lastNow : this.wokeAt));
    this.lastNow = now;
    try {
      if (this.hooks.tick(now, dt)) this.dirty = true;
      if (this.dirty) {
        this.dirty = false;
        const ms = this.hooks.draw();
        this.frameTimes.push(ms);
        if (this.frameTimes.length > KEEP_FRAMES) this.frameTimes.shift();
      }
    } finally {
      this.running = false;
      this.continuous = this.dirty || this.hooks.busy();
      if (this.continuous) this.request();
    }
  };
}
