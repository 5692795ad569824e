// The playback clock: trace time advances with wall time times the speed. Pure, so the
// animation loop only feeds it frame durations.

export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100];

export interface Tick {
  t: number;
  /** True when the playhead hit the end of the data (playback should stop or wait). */
  atEnd: boolean;
}

export function advance(t: number, dtMs: number, speed: number, t0: number, t1: number): Tick {
  const dt = Math.max(0, Math.min(dtMs, 250)) / 1000; // a background tab must not leap ahead
  let next = t + dt * speed;
  if (next < t0) next = t0;
  if (next >= t1) return { t: t1, atEnd: true };
  return { t: next, atEnd: false };
}

export function clampSpeed(x: number): number {
  if (!Number.isFinite(x)) return 1;
  return Math.max(SPEEDS[0], Math.min(SPEEDS[SPEEDS.length - 1], x));
}

export function nextSpeed(x: number, dir: 1 | -1): number {
  const i = SPEEDS.findIndex((s) => s >= x - 1e-9);
  const at = i < 0 ? SPEEDS.length - 1 : i;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, at + dir))];
}

/**
 * How long (in trace seconds) a moment such as a failure stays highlighted after it happened:
 * about a second of wall time at the current speed, and never less than a sliver of the span.
 */
export function flashWindow(speed: number, span: number): number {
  return Math.max(0.9 * speed, span / 250, 1e-9);
}

/** Throttle: true if `now` is at least `gapMs` after `last`. */
export function due(last: number, now: number, gapMs: number): boolean {
  return now - last >= gapMs;
}
