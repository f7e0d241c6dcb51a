import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(root, 'dist');

function modulesIn(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return modulesIn(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/** Imports `file` in a fresh Node process; resolves to what it printed on stderr, and its code. */
function importAlone(file: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)});`],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('the built package', () => {
  beforeAll(() => {
    if (!existsSync(join(dist, 'index.js'))) {
      const build = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
      });
      expect(build.status, String(build.stdout)).toBe(0);
    }
  }, 120_000);

  it('imports every module of dist/ on its own, each in a fresh process', async () => {
    const files = modulesIn(dist);
    expect(files.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (let i = 0; i < files.length; i += 4) {
      const batch = files.slice(i, i + 4);
      const results = await Promise.all(batch.map(importAlone));
      results.forEach((result, j) => {
        if (result.code !== 0) failures.push(`${relative(dist, batch[j]!)}: ${result.stderr}`);
      });
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
