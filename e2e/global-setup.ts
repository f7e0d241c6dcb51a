import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { artifactsDir } from './support/artifacts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The address of the demo's dev server, e.g. `http://localhost:41234/`. */
    demoUrl: string;
  }
}

/** Starts the demo's Vite dev server on a free port for the whole run, and stops it after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await rm(artifactsDir, { recursive: true, force: true });
  await mkdir(artifactsDir, { recursive: true });
  const server = await createServer({
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    // No file watching and no HMR: a source file saved during a run must not reload the pages
    // under test (a reload would reset their live panels half-way through a scenario).
    server: { port: 0, strictPort: true, hmr: false, watch: null },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) {
    await server.close();
    throw new Error('the demo server started without a local address');
  }
  project.provide('demoUrl', url);
  return () => server.close();
}
