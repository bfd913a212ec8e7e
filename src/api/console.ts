import page from "../console/index.html";

/**
 * The web console at /ui: an HTML import, so Bun bundles its TypeScript, CSS and chart library
 * when the executable is built and serves them from it; nothing loads from elsewhere. It is
 * one of Bun.serve's own routes (Elysia's static routes are off once the app has a request
 * hook), so the page and its assets are public; the data it reads asks for the API key like
 * any client.
 */
export const CONSOLE_PATH = "/ui";

export const consoleRoutes = { [CONSOLE_PATH]: page };
