import { describe, expect, test } from "bun:test";
import { fieldIndex, fieldMask, NO_DAY, NO_ID, TrimmedRecord } from "../../../src/pipeline/silver/record.ts";
import { CLIENT_COLUMNS } from "../../../src/contract/sources.ts";
import { recordOf } from "../../support/silver-rules.ts";

describe("fieldIndex and fieldMask", () => {
  test("each column's position by name, and the null mask of a set of them", () => {
    const index = fieldIndex(CLIENT_COLUMNS);
    expect(index).toEqual({ id_client: 0, nom: 1, email: 2, date_inscription: 3, pays: 4 });
    expect(fieldMask(index, ["id_client", "email", "pays"])).toBe(0b10101);
  });
});

describe("TrimmedRecord", () => {
  test("reads a record's trimmed fields, nulls and values by position", () => {
    const r = new TrimmedRecord(5);
    r.read(recordOf([" 042 ", "\u00a0", "12,5", "15/06/2024", "X@Y.fr"]), 0);
    expect(r.fieldCount).toBe(5);
    expect(r.batch.decode(r.start(0), r.end(0))).toBe("042");
    expect([r.isNull(0), r.isNull(1)]).toEqual([false, true]);
    expect([r.anyNull(0b11101), r.anyNull(0b00010)]).toEqual([false, true]);
    expect(r.id(0)).toBe(42);
    expect(r.amount(2)).toBe(12.5);
    expect(r.day(3)).toBe(Date.UTC(2024, 5, 15) / 86_400_000);
    expect(r.lowerEmail(4)).toBe("x@y.fr");
  });

  test("invalid spellings read as the sentinels", () => {
    const r = new TrimmedRecord(3);
    r.read(recordOf(["0", "1.2.3", "2024-02-30"]), 0);
    expect([r.id(0), r.amount(1), r.day(2)]).toEqual([NO_ID, NaN, NO_DAY]);
  });

  test("a record longer than the columns: only the columns are trimmed (malformed_row reads none)", () => {
    const r = new TrimmedRecord(2);
    r.read(recordOf(["1", "", "x", ""]), 0);
    expect(r.fieldCount).toBe(4);
    expect([r.isNull(0), r.isNull(1), r.isNull(3)]).toEqual([false, true, false]);
  });
});
