import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'dexorm-pack-'));
/** The folder a user installs the tarball into: dexorm and its peers, nothing else. */
const app = join(work, 'app');
const entries = ['dexorm', 'dexorm/sync', 'dexorm/react', 'dexorm/vue'];

function run(command: string, args: readonly string[], cwd: string) {
  return spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
}

describe('the package as packed from a clean checkout', () => {
  beforeAll(() => {
    // A checkout of this work: the files git tracks or would add (not those it ignores, dist/
    // among them, which only the pack itself builds).
    const source = join(work, 'source');
    const listed = run(
      'git',
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
      root,
    );
    const tracked = listed.stdout
      .split('\0')
      .filter((file) => file !== '' && existsSync(join(root, file)));
    for (const file of tracked) {
      mkdirSync(dirname(join(source, file)), { recursive: true });
      cpSync(join(root, file), join(source, file));
    }
    expect(existsSync(join(source, 'dist'))).toBe(false);
    symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
    const pack = run('npm', ['pack', '--silent', '--pack-destination', work], source);
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    // Unpacked where Node resolves packages, beside the peers a user installs with it.
    const installed = join(app, 'node_modules', 'dexorm');
    mkdirSync(installed, { recursive: true });
    const untar = run(
      'tar',
      ['-xzf', join(work, tarball!), '-C', installed, '--strip-components=1'],
      work,
    );
    expect(untar.status, untar.stderr).toBe(0);
    for (const peer of ['dexie', 'rxjs', 'react', 'vue', '@vue']) {
      symlinkSync(join(root, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
    }
  }, 180_000);

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('builds itself when packed: the tarball holds dist/', () => {
    expect(existsSync(join(app, 'node_modules/dexorm/dist/index.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/dexorm/dist/index.d.ts'))).toBe(true);
  });

  it('bundles every entry from the tarball with Vite, as a web app does', () => {
    const imports = entries.map(
      (entry, i) => `import * as entry${i} from ${JSON.stringify(entry)};`,
    );
    const used = entries.map((_, i) => `Object.keys(entry${i}).length`).join(', ');
    writeFileSync(join(app, 'main.js'), `${imports.join('\n')}\nconsole.log([${used}]);\n`);
    writeFileSync(
      join(app, 'index.html'),
      '<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>',
    );
    const vite = join(root, 'node_modules/vite/bin/vite.js');
    const result = run(process.execPath, [vite, 'build', '--logLevel', 'error'], app);
    expect(result.status, result.stderr).toBe(0);
    const assets = join(app, 'dist/assets');
    const bundle = readdirSync(assets)
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(assets, name), 'utf8'))
      .join('\n');
    // Code of each entry made it in: the core's write path, sync's client, each hook's name.
    expect(bundle).toContain('dexorm-write-path');
    expect(bundle).toContain('_bulk_docs');
    expect(bundle).toContain('useLiveState');
  });

  it.each(entries)('imports %s from the tarball in a fresh folder', (entry) => {
    const script = `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`;
    const result = run(process.execPath, ['--input-type=module', '-e', script], app);
    expect(result.status, result.stderr).toBe(0);
    expect(Number(result.stdout.trim())).toBeGreaterThan(0);
  });
});
