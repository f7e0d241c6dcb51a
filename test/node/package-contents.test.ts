import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  license: string;
  exports: Record<string, { types: string; import: string }>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
};

/** The files `npm pack` would put in the package, as paths relative to the root. */
let packed: Set<string>;

describe('the package as a user receives it', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/index.js'))) {
      const build = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
        cwd: root,
      });
      expect(build.status, String(build.stdout)).toBe(0);
    }
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(pack.status, pack.stderr).toBe(0);
    const [report] = JSON.parse(pack.stdout) as [{ files: { path: string }[] }];
    packed = new Set(report.files.map((file) => file.path));
  });

  it('holds every exports target, the LICENSE, and nothing from test/ or bench/', () => {
    for (const [entry, target] of Object.entries(manifest.exports)) {
      for (const file of [target.types, target.import]) {
        expect(packed.has(normalize(file)), `${entry}: ${file}`).toBe(true);
      }
    }
    expect(packed.has('LICENSE')).toBe(true);
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.license).toBe('MIT');
    const stray = [...packed].filter((path) => /^(test|bench|demo|e2e|scripts)\//.test(path));
    expect(stray).toEqual([]);
  });

  it('ships what every source map points at', () => {
    const maps = [...packed].filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
      };
      for (const source of sources) {
        expect(packed.has(normalize(join(dirname(map), source))), `${map} → ${source}`).toBe(true);
      }
    }
  });

  it('keeps React and Vue optional, and out of the main entry', () => {
    expect(manifest.peerDependenciesMeta.react?.optional).toBe(true);
    expect(manifest.peerDependenciesMeta.vue?.optional).toBe(true);
    const mainModules = [...packed].filter(
      (path) =>
        path.startsWith('dist/') && path.endsWith('.js') && !/^dist\/(react|vue)\//.test(path),
    );
    for (const module of mainModules) {
      const code = readFileSync(join(root, module), 'utf8');
      expect(code, module).not.toMatch(/from ['"](react|react-dom|vue)['"]/);
    }
  });
});
