// The frame's layout follows the canvas's own width, not the window's: a canvas in a narrow
// notebook column (JupyterLab at 900 px with the file browser open gives it ~470 px) would leave
// the plot less than half its width beside the 270 px inspector, its regions too narrow for
// their actors' names. Below STACK_BELOW the inspector goes under the plot, full width, its text
// in full (the canvas grows by its height), and the plot keeps the canvas's whole width.

/** Canvas widths (CSS px) below which the inspector is stacked under the plot. */
export const STACK_BELOW = 640;
/** The inspector's width beside the plot (styles.ts's .ml-inspector). */
export const INSPECTOR_W = 270;

export function stacksInspector(canvasWidth: number): boolean {
  return canvasWidth > 0 && canvasWidth < STACK_BELOW;
}

/**
 * The plot's height when the inspector is stacked: about what the body has beside it (the
 * canvas's height less the toolbar, the scrubber and the legend), never below 260 px.
 */
export function stackedStageHeight(canvasHeight: number): number {
  return Math.max(260, Math.round(canvasHeight - 170));
}
