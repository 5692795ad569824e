// Window paging of the space-time view: which stretch of time the plot shows as the playhead moves.

/**
 * Where the window starts. The first picture starts at the trace's start; the window then stays
 * put while the playhead moves inside it, pages forward when playback runs off its right edge
 * (the playhead at a tenth), and puts a playhead that jumped elsewhere at 70 %, the causes
 * before it in view. Never further out than a margin around the trace.
 */
export function placeWindow(prev: number | null, span: number, t: number, t0: number, t1: number): number {
  const margin = span * 0.02;
  const lo = t0 - margin;
  const hi = Math.max(lo, t1 + margin - span);
  const clamp = (w: number) => Math.min(hi, Math.max(lo, w));
  if (prev === null) prev = lo;
  if (t >= prev && t <= prev + span) return prev;
  if (t > prev + span && t - (prev + span) < span * 0.5) return clamp(t - 0.1 * span);
  return clamp(t - 0.7 * span);
}
