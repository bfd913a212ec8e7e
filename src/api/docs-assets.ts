import bundle from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import css from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import { Elysia } from "elysia";

/**
 * The /docs page's viewer (Swagger UI, from the pinned swagger-ui-dist package) served by the
 * API itself: embedded in the executable as files, read only when a browser asks, so the page
 * works with no internet and `elt --help` never loads it. Swagger UI because it is one
 * self-contained script and stylesheet (about 1.9 MB) that fetch no fonts or scripts of their own.
 */

export const DOCS_ASSETS_PATH = "/docs/assets";

const ASSETS: Record<string, { file: string; type: string }> = {
  "swagger-ui-bundle.js": { file: bundle, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { file: css, type: "text/css; charset=utf-8" },
};

/** What the OpenAPI plugin's Swagger UI page loads, pointed at the assets below. */
export const swaggerPageOptions = {
  cdn: `${DOCS_ASSETS_PATH}/swagger-ui-bundle.js`,
  theme: `${DOCS_ASSETS_PATH}/swagger-ui.css`,
  // Swagger UI would otherwise send the document to an online validator for its badge.
  validatorUrl: "none",
};

export const docsAssets = new Elysia({ name: "elt-docs-assets" }).get(
  `${DOCS_ASSETS_PATH}/:name`,
  ({ params, set }) => {
    const asset = ASSETS[params.name];
    if (!asset) {
      set.status = 404;
      return { error: `no docs asset ${params.name}` };
    }
    return new Response(Bun.file(asset.file), {
      headers: { "content-type": asset.type, "cache-control": "public, max-age=86400" },
    });
  },
  { detail: { hide: true } },
);
