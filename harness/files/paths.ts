import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Run from an installed package (npm install -g, npx) rather than from a checkout. The package folder may be
 * shared by every user and replaced by the next install, so the database's data goes to the user's state
 * folder and reports to the folder the command runs in, as with any command-line tool.
 */
export const installed = projectRoot.split(path.sep).includes('node_modules');

/** $XDG_STATE_HOME/loadlab, or ~/.local/state/loadlab (the XDG default; a relative XDG_STATE_HOME is ignored). */
function userStateDir(): string {
  const xdg = process.env.XDG_STATE_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'loadlab');
}

export const stateDir = installed ? userStateDir() : path.join(projectRoot, '.loadlab');
export const reportsDir = installed ? path.join(process.cwd(), 'reports') : path.join(projectRoot, 'reports');

/** A path as a message shows it: relative to where reports are rooted (the project, or the current folder). */
export function shownPath(p: string): string {
  return path.relative(installed ? process.cwd() : projectRoot, p);
}
