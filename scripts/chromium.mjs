// Where Chromium is and how it must be started here: headless, as root, on a closed network.
// Shared by the browser tests, the end-to-end tests and the browser benchmark.
import { existsSync } from 'node:fs';

/** Chromium from CHROMIUM_PATH, or Debian's. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when a Chromium is installed at `chromiumPath`. */
export const hasChromium = existsSync(chromiumPath);

/** The flags every launch needs: no sandbox as root, and no background network traffic. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
