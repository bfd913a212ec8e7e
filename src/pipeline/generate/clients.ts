import { csvLine } from "../../formats/csv.ts";
import { CLIENT_REJECT_CODES } from "../../contract/rejects.ts";
import { COUNTRIES } from "../../contract/sources.ts";
import type { Calendar } from "./calendar.ts";
import { Recent, Turns, zeroCounts } from "./defects.ts";
import type { Rng } from "./rng.ts";
import {
  BAD_EMAILS,
  BAD_IDS,
  FIRST_MAIL,
  FIRST_NAMES,
  LAST_MAIL,
  LAST_NAMES,
  MAIL_DOMAINS,
  NICKNAMES,
  blank,
  noisy,
} from "./vocabulary.ts";

type ClientFields = [string, string, string, string, string];

export class ClientRows {
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
