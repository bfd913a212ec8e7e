import { formatTime } from "../ui/format.ts";
import { Unauthorized, getJson, setApiKey, watch } from "./api.ts";
import { breakdownPage } from "./breakdown.ts";
import { h, replace } from "./dom.ts";
import { overviewPage } from "./overview.ts";
import { checksCard, refreshCard, runPage, runsCard } from "./pipeline.ts";
import { loadSales, type Sales } from "./sales.ts";

/**
 * The web console: one page, three views, reading the API it is served by. It follows new
 * data without a reload: kpis is polled with If-None-Match every few seconds (every export
 * rewrites it), and a change redraws the view.
 */

const POLL_MS = 3000;
const page = document.getElementById("page")!;
const status = document.getElementById("status")!;
let sales: Promise<Sales> | null = null;
let changedAt: number | null = null;
let rendering = 0;

function route(): { view: string; arg?: string } {
  const [, view = "overview", arg] = location.hash.split("/");
  return { view, arg: arg ? decodeURIComponent(arg) : undefined };
}

function keyForm(): HTMLElement {
  const input = h("input", { type: "password", placeholder: "API key", autocomplete: "off" });
  return h(
    "form",
    {
      class: "card",
      onsubmit: (e: Event) => {
        e.preventDefault();
        setApiKey(input.value);
        void render();
      },
    },
    h("p", {}, "This API needs its key (API_KEY on the server)."),
    input,
    " ",
    h("button", { type: "submit" }, "Open"),
  );
}

async function tablesServed(): Promise<string[]> {
  const index = await getJson<{ endpoints: { path: string }[] }>("/");
  return index.endpoints.map((e) => e.path.slice(1)).filter((p) => /^[a-z_]+$/.test(p) && p !== "health");
}

async function render(): Promise<void> {
  const mine = ++rendering;
  const { view, arg } = route();
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) a.classList.toggle("active", a.dataset.page === (view === "runs" ? "pipeline" : view));
  try {
    let content: HTMLElement[];
    if (view === "breakdown") content = breakdownPage(await (sales ??= loadSales()));
    else if (view === "pipeline") content = [await runsCard(), ...[await checksCard()].filter((c): c is HTMLElement => c !== null), await refreshCard(await tablesServed())];
    else if (view === "runs" && arg) content = await runPage(arg);
    else content = overviewPage(await (sales ??= loadSales()));
    if (mine === rendering) replace(page, ...content);
  } catch (err) {
    sales = null;
    if (mine !== rendering) return;
    if (err instanceof Unauthorized) replace(page, keyForm());
    else replace(page, h("section", { class: "card error" }, err instanceof Error ? err.message : String(err)));
  }
}

function showStatus(error?: string): void {
  const parts = [changedAt ? `data changed at ${formatTime(changedAt)} UTC` : "watching for new data", `checked ${formatTime(Date.now())} UTC`];
  replace(status, error ? h("span", { class: "error" }, error) : parts.join(" · "));
}

window.addEventListener("hashchange", () => void render());
watch(
  "/kpis",
  POLL_MS,
  () => {
    changedAt = Date.now();
    sales = null;
    void render();
  },
  showStatus,
);
void render();
