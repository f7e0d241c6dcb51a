// Lists the packages of package-lock.json built for this platform (the native binaries of the
// linter, the bundler, the compiler) that node_modules lacks, and exits 1 when there is one.
// npm treats them as optional: when fetching one fails, `npm ci` still succeeds without it,
// and the first tool that needs it fails much later. .ci/run installs again when this fails.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { packages } = JSON.parse(readFileSync(resolve(root, 'package-lock.json'), 'utf8'));
const libc = process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';

/** Whether a lockfile entry's `os`, `cpu` and `libc` lists admit this machine. */
function fitsThisMachine(entry) {
  const admits = (list, value) => list === undefined || list.includes(value);
  return (
    admits(entry.os, process.platform) &&
    admits(entry.cpu, process.arch) &&
    (process.platform !== 'linux' || admits(entry.libc, libc))
  );
}

const missing = Object.entries(packages)
  .filter(([path, entry]) => path !== '' && entry.optional && (entry.os || entry.cpu))
  .filter(([, entry]) => fitsThisMachine(entry))
  .map(([path]) => path)
  .filter((path) => !existsSync(resolve(root, path, 'package.json')));

if (missing.length > 0) {
  console.error(`missing platform packages: ${missing.join(', ')}`);
  process.exit(1);
}
console.log('every platform package this machine needs is installed');
