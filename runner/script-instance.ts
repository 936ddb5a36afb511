/**
 * One evaluation of the script's init code: what a VU holds (k6 runs init code once per VU). A leaf, so
 * the VU can hold one without depending on the loader that makes it.
 */
export interface ScriptInstance {
  exports: Record<string, unknown>;
  /** __ITER is a free variable of the script, closed over by this instance */
  setIter(i: number): void;
}
