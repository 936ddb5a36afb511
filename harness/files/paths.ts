import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const stateDir = path.join(projectRoot, '.loadlab');
export const reportsDir = path.join(projectRoot, 'reports');
