import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('an app bundled with dexorm', () => {
  // The entry installs replication's change log as it loads; a bundler that took the whole
  // package for side-effect free would drop that, and writes made offline would go unrecorded.
  // The demo's build bundles the source entry.
  it.each([
    ['the built package', 'dist/index.js'],
    ['the source entry, as the demo build does', 'src/index.ts'],
  ])(
    'keeps the change log when it imports only Database from %s',
    async (_, file) => {
      const dir = await mkdtemp(join(tmpdir(), 'dexorm-bundle-'));
      try {
        const entry = join(dir, 'app.js');
        await writeFile(entry, "import { Database } from 'dexorm';\nconsole.log(Database);\n");
        const output = (await build({
          configFile: false,
          logLevel: 'silent',
          root: dir,
          resolve: { alias: { dexorm: join(root, file) } },
          build: {
            write: false,
            minify: false,
            lib: { entry, formats: ['es'], fileName: 'app' },
            rollupOptions: { external: [/^dexie/, /^rxjs/] },
          },
        })) as Rollup.RollupOutput[];
        const code = output
          .flatMap((result) => result.output)
          .map((chunk) => (chunk.type === 'chunk' ? chunk.code : ''))
          .join('\n');
        expect(code).toContain('a Database needs a non-empty name');
        expect(code).toContain('dexorm-change-scope');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
