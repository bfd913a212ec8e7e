import { csvLine } from "../../formats/csv.ts";
import { ACHAT_REJECT_CODES } from "../../contract/rejects.ts";
import type { Calendar } from "./calendar.ts";
import { Recent, Turns, zeroCounts } from "./defects.ts";
import type { Rng } from "./rng.ts";
import { BAD_AMOUNTS, BAD_IDS, PRODUCT_CENTS, PRODUCT_NAMES, blank, euros, noisy } from "./vocabulary.ts";

type AchatFields = [string, string, string, string, string];

/** Prices from this many cents up count toward keeping q99 above half the dearest price. */
const HIGH_CENTS = 125_000;
const LAPTOP = PRODUCT_NAMES.indexOf("Laptop");
const MAX_CENTS = PRODUCT_CENTS[LAPTOP]![1];

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
export class AchatRows {
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
