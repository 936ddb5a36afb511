/** Progress lines go to a person at a terminal; CI and pipes stay quiet unless LOADLAB_VERBOSE=1 asks for them. */
export function showProgress(stream: NodeJS.WriteStream = process.stderr): boolean {
  if (process.env.LOADLAB_VERBOSE === '1') return true;
  return Boolean(stream.isTTY) && !process.env.CI;
}

export function progressLog(stream: NodeJS.WriteStream = process.stderr): (line: string) => void {
  const on = showProgress(stream);
  const t0 = performance.now();
  return (line) => {
    if (on) stream.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
  };
}
