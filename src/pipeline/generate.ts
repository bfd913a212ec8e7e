/**
 * Synthetic sources: clients.csv and achats.csv with SPEC's headers, streamed and seeded, with
 * defects of every reject code injected at a chosen rate. Every defective row is built to break
 * its rule and no earlier one, and clean rows break none, so the report predicts exactly what
 * silver will count: the generator doubles as silver's oracle.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { EltError, errorLine } from "../errors.ts";
import { csvLine } from "../formats/csv.ts";
import { DATASETS } from "./datasets.ts";
import { civilFromDays, dayNumber, daysFromCivil, daysInMonth, isoFromDayNumber } from "./dates.ts";
import {
  ACHAT_COLUMNS,
  ACHAT_REJECT_CODES,
  CLIENT_COLUMNS,
  CLIENT_REJECT_CODES,
  COUNTRIES,
  PRODUCTS,
  type AchatRejectCode,
  type ClientRejectCode,
} from "./silver/types.ts";

export interface GenerateOptions {
  clients: number;
  avgPurchases: number;
  /** 0 .. 2^32−1 */
  seed: number;
  /** YYYY-MM-DD within AS_OF_RANGE. */
  asOf: string;
  /** Share of rows given a defect, 0 .. MAX_DIRTY_RATE. */
  dirtyRate: number;
}

export const GENERATE_DEFAULTS = { clients: 1500, avgPurchases: 5, dirtyRate: 0.02 } as const;

/** Past half the rows, the "clean" data would be the exception. */
export const MAX_DIRTY_RATE = 0.5;

/** Too-old defects reach 20 years back and future ones a year ahead; both must stay in years 1..9999. */
export const AS_OF_RANGE = ["1000-01-01", "9998-12-31"] as const;

export interface LineSink {
  /** Receives whole lines in batches; a returned promise is awaited, which bounds memory. */
  write(text: string): unknown;
}

export interface GenerateReport {
  seed: number;
  asOf: string;
  clients: { rows: number; defects: Record<ClientRejectCode, number> };
  /** orphans: purchases silver keeps whose client it rejects. */
  achats: { rows: number; defects: Record<AchatRejectCode, number>; orphans: number };
}

export interface GenerateFilesReport extends GenerateReport {
  files: { clients: string; achats: string };
}

// ---------------------------------------------------------------------------------------------
// Randomness

/** xoshiro128**, seeded through a splitmix-style mixer so neighbouring seeds give unrelated streams. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
  }

  /** [0, 1) */
  float(): number {
    const b = this.b;
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Standard normal by Box-Muller; the second value of each pair is kept for the next call. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.float()));
    const angle = 2 * Math.PI * this.float();
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }
}

/** Defect codes take turns, so every code shows up as soon as there are as many defects as codes. */
class Turns<C extends string> {
  private i = 0;
  constructor(private readonly codes: readonly C[]) {}

  next(allowed: (code: C) => boolean): C {
    for (;;) {
      const code = this.codes[this.i++ % this.codes.length]!;
      if (allowed(code)) return code;
    }
  }
}

/** The last few kept rows, for duplicates that re-send a recent record, in constant memory. */
class Recent<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly size: number) {}

  add(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  pick(rng: Rng): T | undefined {
    return this.items.length ? rng.pick(this.items) : undefined;
  }
}

const zeroCounts = <C extends string>(codes: readonly C[]) =>
  Object.fromEntries(codes.map((c) => [c, 0])) as Record<C, number>;

// ---------------------------------------------------------------------------------------------
// Values

const FIRST_NAMES = [
  "Jean", "Marie", "Pierre", "Sophie", "Luc", "Camille", "Nicolas", "Julie", "Thomas", "Léa",
  "Hugo", "Chloé", "Louis", "Manon", "Antoine", "Inès", "Julien", "Sarah", "Mathieu", "Emma",
  "Théo", "Zoé", "Benoît", "Hélène", "Jérôme", "Françoise", "Gaëlle", "Rémi", "Agnès", "Noël",
  "Maëlle", "François", "Céline", "Loïc", "Anaïs", "Stéphane", "Aurélie", "Cédric", "Élodie",
  "Jean-Marc", "Anne-Sophie", "Yves", "Margaux", "Bastien", "Clémence", "Quentin", "Océane",
];

const LAST_NAMES = [
  "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
  "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
  "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
  "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry",
  "Roussel", "Perrin", "Morin", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier",
  "Masson", "Le Gall", "D'Almeida", "Brunet", "Gérard", "Lemaître", "Bénard", "Château",
];

const NICKNAMES = ["Jojo", "Max", "Lulu", "Titi", "Bibi", "Coco"];

const MAIL_DOMAINS = [
  "gmail.com", "yahoo.fr", "orange.fr", "free.fr", "hotmail.com", "outlook.fr", "laposte.net",
  "sfr.fr", "proton.me", "wanadoo.fr",
];

/** Names as they appear in addresses: no accents, spaces or apostrophes, lower case. */
const mailPart = (name: string) =>
  name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z-]/g, "").toLowerCase();
const FIRST_MAIL = FIRST_NAMES.map(mailPart);
const LAST_MAIL = LAST_NAMES.map(mailPart);

const PRODUCT_NAMES = Object.keys(PRODUCTS) as (keyof typeof PRODUCTS)[];
const PRODUCT_CENTS = PRODUCT_NAMES.map((p) => PRODUCTS[p].map((eur) => eur * 100) as [number, number]);

/** Prices from this many cents up count toward keeping q99 above half the dearest price. */
const HIGH_CENTS = 125_000;
const LAPTOP = PRODUCT_NAMES.indexOf("Laptop");
const MAX_CENTS = PRODUCT_CENTS[LAPTOP]![1];

function euros(cents: number): string {
  const c = cents % 100;
  return `${(cents - c) / 100}.${c < 10 ? "0" : ""}${c}`;
}

/** Spellings silver must reject as ids: letters, signs, fractions, zero, beyond 2^53−1. */
const BAD_IDS: ((id: number) => string)[] = [
  (id) => `C${id}`,
  (id) => `${id}a`,
  (id) => `-${id}`,
  () => "0",
  (id) => `${id}.5`,
  () => "9007199254740992",
  (id) => `#${id}`,
];

/** Amounts that are not `-?digits[(.|,)digits]`. */
const BAD_AMOUNTS: ((amount: string) => string)[] = [
  (a) => `${a} EUR`,
  (a) => `€${a}`,
  (a) => `${a}.5`,
  (a) => `1 ${a}`,
  (a) => `${a.slice(0, -3)}e2`,
  () => "gratuit",
  (a) => a.slice(-3),
];

/** Addresses that, lower-cased, fail `^[^@\s]+@[^@\s]+\.[^@\s]+$`. */
const BAD_EMAILS: ((local: string, domain: string) => string)[] = [
  (l, d) => `${l}.${d}`,
  (l, d) => `${l}@@${d}`,
  (l, d) => `${l}@${d.slice(0, d.indexOf("."))}`,
  (l, d) => `${l} @${d}`,
  (_, d) => `@${d}`,
  (l, d) => `${l}(at)${d}`,
];

/** Dates in SPEC's five spellings, the calendar date always as written. */
class Calendar {
  readonly asOf: number;
  /** as_of minus 3 years: the oldest sign-up and purchase. */
  readonly first: number;
  /** as_of minus 1 month: the latest sign-up. */
  readonly lastSignup: number;
  /** ISO text of every day from `first` to as_of, so clean rows format no date. */
  private readonly iso: string[] = [];

  constructor(asOf: string) {
    this.asOf = dayNumber(asOf);
    const { year, month, day } = civilFromDays(this.asOf);
    const sameDay = (y: number, m: number) => daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)));
    this.first = sameDay(year - 3, month);
    this.lastSignup = month === 1 ? sameDay(year - 1, 12) : sameDay(year, month - 1);
    for (let d = this.first; d <= this.asOf; d++) this.iso.push(isoFromDayNumber(d));
  }

  isoOf(day: number): string {
    return this.iso[day - this.first] ?? isoFromDayNumber(day);
  }

  /** Mostly ISO; sometimes one of the other accepted spellings. */
  spell(day: number, rng: Rng): string {
    const iso = this.isoOf(day);
    const u = rng.float();
    if (u < 0.85) return iso;
    if (u < 0.89) return iso.replaceAll("-", "/");
    if (u < 0.93) return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
    const time = `${pad2(rng.int(24))}:${pad2(rng.int(60))}:${pad2(rng.int(60))}`;
    if (u < 0.96) return `${iso}T${time}`;
    if (u < 0.98) return `${iso} ${time}`;
    return `${iso}T${time}.${rng.between(100, 999)}${rng.pick(["Z", "+02:00", "-05:00", "+23:59"])}`;
  }

  /** Near misses of the accepted spellings: impossible days, month 13, bad separators or times. */
  invalid(day: number, rng: Rng): string {
    const iso = this.isoOf(day);
    const y = iso.slice(0, 4);
    const m = iso.slice(5, 7);
    const d = iso.slice(8, 10);
    switch (rng.int(8)) {
      case 0:
        return `${y}-02-30`;
      case 1:
        return `${y}-04-31`;
      case 2:
        return `${d}/13/${y}`;
      case 3:
        return `${y}-${m}-00`;
      case 4:
        return `${d}.${m}.${y}`;
      case 5:
        return `${y}${m}${d}`;
      case 6:
        return `${iso}T25:00:00`;
      default:
        return "unknown";
    }
  }
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** A null for silver: empty, or only white space that its trim removes. */
const blank = (rng: Rng) => (rng.chance(0.5) ? "" : "  ");

/** Surrounding white space or another letter case: noise silver must see through. */
function noisy(value: string, rng: Rng, caseRate: number, spaceRate: number): string {
  const u = rng.float();
  if (u < caseRate / 2) return value.toLowerCase();
  if (u < caseRate) return value.toUpperCase();
  if (u < caseRate + spaceRate) return ` ${value} `;
  return value;
}

// ---------------------------------------------------------------------------------------------
// Rows

type ClientFields = [string, string, string, string, string];
type AchatFields = [string, string, string, string, string];

class ClientRows {
  rows = 0;
  readonly defects = zeroCounts(CLIENT_REJECT_CODES);
  private readonly turns = new Turns(CLIENT_REJECT_CODES);
  private readonly recent = new Recent<ClientFields>(32);

  constructor(
    private readonly rng: Rng,
    private readonly cal: Calendar,
    private readonly rate: number,
  ) {}

  /** The line(s) for client `id`, and whether silver keeps that id. */
  make(id: number, signup: number): { lines: string; kept: boolean } {
    const r = this.rng;
    const fi = r.int(FIRST_NAMES.length);
    const li = r.int(LAST_NAMES.length);
    const first = FIRST_NAMES[fi]!;
    const last = LAST_NAMES[li]!;
    const domain = r.pick(MAIL_DOMAINS);
    const local = this.mailLocal(fi, li, id);
    const fields: ClientFields = [
      String(id),
      this.nom(first, last),
      r.chance(0.03) ? `${local}@${domain}`.replace(/(^|\.)[a-z]/g, (s) => s.toUpperCase()) : `${local}@${domain}`,
      this.cal.spell(signup, r),
      r.chance(0.01) ? "" : noisy(r.pick(COUNTRIES), r, 0.04, 0.02),
    ];
    if (!r.chance(this.rate)) return { lines: this.kept(fields), kept: true };

    const code = this.turns.next(() => true);
    this.defects[code]++;
    switch (code) {
      case "duplicate":
        return { lines: this.kept(fields) + this.duplicate(), kept: true };
      case "malformed_row":
        return { lines: this.rejected(this.malformed(fields, first, last)), kept: false };
      case "missing_field":
        fields[r.int(4)] = blank(r);
        break;
      case "invalid_id":
        fields[0] = r.pick(BAD_IDS)(id);
        break;
      case "invalid_email":
        fields[2] = r.pick(BAD_EMAILS)(local, domain);
        break;
      case "invalid_date":
        fields[3] = this.cal.invalid(signup, r);
        break;
      case "future_date":
        fields[3] = this.cal.spell(this.cal.asOf + r.between(1, 365), r);
        break;
    }
    return { lines: this.rejected(fields), kept: false };
  }

  private nom(first: string, last: string): string {
    const u = this.rng.float();
    if (u < 0.03) return `${last}, ${first}`;
    if (u < 0.04) return `${first} "${this.rng.pick(NICKNAMES)}" ${last}`;
    if (u < 0.06) return ` ${first} ${last} `;
    return `${first} ${last}`;
  }

  private mailLocal(fi: number, li: number, id: number): string {
    const f = FIRST_MAIL[fi]!;
    const l = LAST_MAIL[li]!;
    const u = this.rng.float();
    if (u < 0.45) return `${f}.${l}`;
    if (u < 0.7) return `${f[0]}${l}`;
    if (u < 0.9) return `${f}.${l}${id % 100}`;
    return `${l}.${f}`;
  }

  /** A comma left unquoted in the name splits it, or the export lost or added a column. */
  private malformed(fields: ClientFields, first: string, last: string): string[] {
    const [id, , email, date, pays] = fields;
    switch (this.rng.int(3)) {
      case 0:
        return [id, last, first, email, date, pays];
      case 1:
        return [id, fields[1], email, date];
      default:
        return [...fields, ""];
    }
  }

  /** A re-sent record of a kept client, its id sometimes spelled another way (`42.0`, `042`). */
  private duplicate(): string {
    const original = this.recent.pick(this.rng)!;
    const fields: ClientFields = [...original];
    const u = this.rng.float();
    if (u < 0.15) fields[0] = `${original[0]}.0`;
    else if (u < 0.3) fields[0] = `0${original[0]}`;
    return this.rejected(fields);
  }

  private kept(fields: ClientFields): string {
    this.recent.add(fields);
    this.rows++;
    return csvLine(fields);
  }

  private rejected(fields: readonly string[]): string {
    this.rows++;
    return csvLine(fields);
  }
}

interface KeptAchat {
  fields: AchatFields;
  high: boolean;
}

/**
 * Purchase rows. The outlier rule compares amounts with 2 × q99 of every row that passes rules
 * 1–4 (the candidates), so two counts are kept on that population to make the outcome certain
 * whatever the final row count: outliers stay under 0.5 % of it, so q99 falls on a normal price
 * (at most 2500, half the smallest outlier); and enough candidates are priced 1250 or more that
 * q99 is at least half the dearest normal price, so no normal price is an outlier.
 */
class AchatRows {
  rows = 0;
  orphans = 0;
  readonly defects = zeroCounts(ACHAT_REJECT_CODES);
  private nextId = 1;
  private candidates = 0;
  private high = 0;
  private outliers = 0;
  private readonly turns = new Turns(ACHAT_REJECT_CODES);
  private readonly recent = new Recent<KeptAchat>(64);

  constructor(
    private readonly rng: Rng,
    private readonly cal: Calendar,
    private readonly rate: number,
  ) {}

  /** The line(s) for one purchase of client `clientId`. */
  make(clientId: number, signup: number, clientKept: boolean): string {
    const r = this.rng;
    const idNumber = this.nextId++;
    const id = String(idNumber);
    const client = String(clientId);
    const day = signup + r.int(this.cal.asOf - signup + 1);
    if (!r.chance(this.rate)) return this.kept(id, client, day, clientKept);

    const code = this.turns.next((c) => c !== "outlier_amount" || this.outliers < Math.floor(0.005 * this.candidates));
    this.defects[code]++;
    switch (code) {
      case "duplicate":
        return this.kept(id, client, day, clientKept) + this.duplicate();
      case "malformed_row":
        return this.rejected(this.malformed(id, client, day));
      case "missing_field": {
        const fields = this.normal(id, client, day, false);
        fields[r.int(5)] = blank(r);
        return this.rejected(fields);
      }
      case "invalid_id": {
        const fields = this.normal(id, client, day, false);
        const which = r.int(2);
        fields[which] = r.pick(BAD_IDS)(which === 0 ? idNumber : clientId);
        return this.rejected(fields);
      }
      case "invalid_amount": {
        const fields = this.normal(id, client, day, false);
        fields[3] = r.pick(BAD_AMOUNTS)(fields[3]);
        return this.rejected(fields);
      }
      case "negative_amount": {
        const fields = this.normal(id, client, day, false);
        fields[3] = `-${fields[3]}`;
        return this.rejected(fields);
      }
      case "outlier_amount": {
        // An amount typed without its decimal point: a thousand times the price, far above 5000.
        const product = r.int(PRODUCT_NAMES.length);
        const [lo, hi] = PRODUCT_CENTS[product]!;
        this.candidates++;
        this.outliers++;
        return this.rejected([id, client, this.cal.spell(day, r), euros(r.between(lo, hi) * 1000), PRODUCT_NAMES[product]!]);
      }
      case "invalid_date": {
        const fields = this.normal(id, client, day, true);
        fields[2] = this.cal.invalid(day, r);
        return this.rejected(fields);
      }
      case "future_date": {
        const fields = this.normal(id, client, day, true);
        fields[2] = this.cal.spell(this.cal.asOf + r.between(1, 365), r);
        return this.rejected(fields);
      }
      case "too_old": {
        const fields = this.normal(id, client, day, true);
        fields[2] = this.cal.spell(this.cal.asOf - 3651 - r.int(3650), r);
        return this.rejected(fields);
      }
    }
  }

  /**
   * A well-formed purchase. `candidate`: the row will pass rules 1–4, so its amount joins q99's
   * population; when it would leave too few high prices for this row count or the next, it is
   * a dearer laptop instead.
   */
  private normal(id: string, client: string, day: number, candidate: boolean): AchatFields {
    const r = this.rng;
    let product = r.int(PRODUCT_NAMES.length);
    let [lo, hi] = PRODUCT_CENTS[product]!;
    let cents = r.between(lo, hi);
    if (candidate) {
      const n = ++this.candidates;
      if (cents >= HIGH_CENTS) this.high++;
      else if (this.high + this.outliers < highTarget(n)) {
        product = LAPTOP;
        cents = r.between(HIGH_CENTS, MAX_CENTS);
        this.high++;
      }
    }
    const amount = euros(cents);
    return [
      id,
      client,
      this.cal.spell(day, r),
      r.chance(0.05) ? amount.replace(".", ",") : amount,
      noisy(PRODUCT_NAMES[product]!, r, 0.02, 0.01),
    ];
  }

  /** An unquoted decimal comma splits the amount, or the export lost or added a column. */
  private malformed(id: string, client: string, day: number): string[] {
    const fields = this.normal(id, client, day, false);
    const [, , date, amount, product] = fields;
    switch (this.rng.int(3)) {
      case 0: {
        const point = amount.search(/[.,]/);
        return [id, client, date, amount.slice(0, point), amount.slice(point + 1), product];
      }
      case 1:
        return [id, client, date, amount];
      default:
        return [...fields, ""];
    }
  }

  /** A re-sent record of a kept purchase; it passes rules 1–8, so it joins q99's population too. */
  private duplicate(): string {
    const original = this.recent.pick(this.rng)!;
    this.candidates++;
    if (original.high) this.high++;
    const fields: AchatFields = [...original.fields];
    if (this.rng.chance(0.2)) fields[0] = `${fields[0]}.0`;
    return this.rejected(fields);
  }

  private kept(id: string, client: string, day: number, clientKept: boolean): string {
    const high = this.high;
    const fields = this.normal(id, client, day, true);
    this.recent.add({ fields, high: this.high > high });
    if (!clientKept) this.orphans++;
    this.rows++;
    return csvLine(fields);
  }

  private rejected(fields: readonly string[]): string {
    this.rows++;
    return csvLine(fields);
  }
}

/** How many of n sorted values sit at or above q99's lower interpolation point. */
const topCount = (n: number) => n - Math.floor(0.99 * (n - 1));

/**
 * High prices (or outliers) wanted among the first n candidates: enough for n + 1 (a duplicate
 * may follow with a low price), plus one for floating-point slack in the quantile's index.
 * Up to 50 candidates none are needed: q99 then interpolates between the two largest values
 * with a weight of at least 0.5 on the largest. The ramp from 40 rises by at most one every two
 * candidates, so forcing one price per row always keeps up.
 */
const highTarget = (n: number) => (n <= 40 ? 0 : Math.min(topCount(n + 1) + 1, (n - 40) >> 1));

// ---------------------------------------------------------------------------------------------
// Streams

const BATCH_CHARS = 1 << 16;

/** Gathers lines into batches; hands a promise back only when a batch went out. */
class Batcher {
  private buffer = "";
  constructor(private readonly sink: LineSink) {}

  push(lines: string): Promise<void> | undefined {
    this.buffer += lines;
    return this.buffer.length >= BATCH_CHARS ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (!this.buffer) return;
    const batch = this.buffer;
    this.buffer = "";
    await this.sink.write(batch);
  }
}

/**
 * Writes both files' lines to the sinks, a client's purchases right after the client, and
 * returns what silver will find in them.
 */
export async function generate(
  options: GenerateOptions,
  sinks: { clients: LineSink; achats: LineSink },
): Promise<GenerateReport> {
  const rng = new Rng(options.seed);
  const cal = new Calendar(options.asOf);
  const clients = new ClientRows(rng, cal, options.dirtyRate);
  const achats = new AchatRows(rng, cal, options.dirtyRate);
  const clientOut = new Batcher(sinks.clients);
  const achatOut = new Batcher(sinks.achats);
  const spread = options.avgPurchases / 3;

  await clientOut.push(csvLine(CLIENT_COLUMNS));
  await achatOut.push(csvLine(ACHAT_COLUMNS));
  for (let id = 1; id <= options.clients; id++) {
    const signup = rng.between(cal.first, cal.lastSignup);
    const client = clients.make(id, signup);
    await clientOut.push(client.lines);
    const count = Math.max(1, Math.round(options.avgPurchases + spread * rng.normal()));
    for (let i = 0; i < count; i++) {
      const pending = achatOut.push(achats.make(id, signup, client.kept));
      if (pending) await pending;
    }
  }
  await clientOut.flush();
  await achatOut.flush();

  return {
    seed: options.seed,
    asOf: options.asOf,
    clients: { rows: clients.rows, defects: clients.defects },
    achats: { rows: achats.rows, defects: achats.defects, orphans: achats.orphans },
  };
}

/**
 * Generates into `dir`/clients.csv and `dir`/achats.csv. Each file is written beside its final
 * name and renamed into place at the end, so a reader never meets half a file.
 */
export async function generateFiles(options: GenerateOptions, dir: string): Promise<GenerateFilesReport> {
  const files = { clients: join(dir, DATASETS.clients.file), achats: join(dir, DATASETS.achats.file) };
  const partial = { clients: `${files.clients}.partial`, achats: `${files.achats}.partial` };
  const writers: Bun.FileSink[] = [];
  const open = (path: string): LineSink => {
    const writer = Bun.file(path).writer();
    writers.push(writer);
    return {
      write: async (text) => {
        writer.write(text);
        await writer.flush();
      },
    };
  };
  try {
    await mkdir(dir, { recursive: true });
    const report = await generate(options, { clients: open(partial.clients), achats: open(partial.achats) });
    for (const writer of writers.splice(0)) await writer.end();
    await rename(partial.clients, files.clients);
    await rename(partial.achats, files.achats);
    return { ...report, files };
  } catch (err) {
    await Promise.allSettled(writers.map(async (w) => w.end()));
    await Promise.all(Object.values(partial).map((p) => rm(p, { force: true })));
    throw new EltError(`cannot write the sources in ${dir}: ${errorLine(err)}`, 1, { cause: err });
  }
}
