/** Chromium from CHROMIUM_PATH, or Debian's. */
export declare const chromiumPath: string;
/** True when a Chromium is installed at `chromiumPath`. */
export declare const hasChromium: boolean;
/** The flags every launch needs: no sandbox as root, and no background network traffic. */
export declare const chromiumArgs: readonly string[];
