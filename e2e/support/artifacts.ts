import { fileURLToPath } from 'node:url';

/** Where the end-to-end tests keep their screenshots (ignored by git). */
export const artifactsDir = fileURLToPath(new URL('../../artifacts/e2e', import.meta.url));
