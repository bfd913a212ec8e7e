import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";

/**
 * Debian's Chromium driven by playwright-core, as a user's browser with no internet: every host
 * but 127.0.0.1 is unresolvable, so a page that loads anything from elsewhere shows it as a
 * failed request. `.ci/run` installs the package; without it the browser suites skip, saying why.
 */

export const CHROMIUM = "/usr/bin/chromium";
export const browserMissing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (Debian package chromium)`;

export interface OfflineBrowser {
  browser: Browser;
  /** A new page, recording every request that failed or left 127.0.0.1. */
  page(viewport?: { width: number; height: number }): Promise<{ page: Page; failures: string[] }>;
  close(): Promise<void>;
}

export async function offlineBrowser(): Promise<OfflineBrowser> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  return {
    browser,
    async page(viewport = { width: 1280, height: 800 }) {
      const page = await browser.newPage({ viewport });
      const failures: string[] = [];
      page.on("requestfailed", (r) => failures.push(`${r.url()}: ${r.failure()?.errorText ?? "failed"}`));
      page.on("request", (r) => {
        const host = new URL(r.url()).hostname;
        if (r.url().startsWith("http") && host !== "127.0.0.1") failures.push(`${r.url()}: left the machine`);
      });
      return { page, failures };
    },
    async close() {
      await browser.close();
    },
  };
}
