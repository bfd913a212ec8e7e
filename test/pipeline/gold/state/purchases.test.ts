import { describe, expect, test } from "bun:test";
import { PurchaseColumns } from "../../../../src/pipeline/gold/state/purchases.ts";

describe("PurchaseColumns", () => {
  test("columns widen for an id past 2^32, a day past 2^16, a product past 2^8, keeping what they held", () => {
    const purchases = new PurchaseColumns(2);
    const rows = [
      [1, 0, 0, 1.5, 0],
      [2 ** 32 + 1, 3, 70_000, -0.25, 300],
      [Number.MAX_SAFE_INTEGER, 2 ** 31, 5, 7, 255],
      [7, 1, 65_535, 0, 70_000],
    ] as const;
    for (const [id, client, day, montant, product] of rows) purchases.push(id, client, day, montant, product);
    expect(purchases.length).toBe(4);
    rows.forEach(([id, client, day, montant, product], i) => {
      expect([purchases.idAchat[i], purchases.client[i], purchases.day[i], purchases.montant[i], purchases.product[i]]).toEqual([
        id,
        client,
        day,
        montant,
        product,
      ]);
    });
    expect(purchases.idAchat).toBeInstanceOf(Float64Array);
    expect(purchases.day).toBeInstanceOf(Uint32Array);
  });

  test("narrow while the values allow it", () => {
    const purchases = new PurchaseColumns(0);
    for (let i = 0; i < 5000; i++) purchases.push(i + 1, i, i % 3650, i / 4, i % 10);
    expect(purchases.idAchat).toBeInstanceOf(Uint32Array);
    expect(purchases.day).toBeInstanceOf(Uint16Array);
    expect(purchases.product).toBeInstanceOf(Uint8Array);
    expect(purchases.idAchat[4999]).toBe(5000);
    expect(purchases.montant[4999]).toBe(4999 / 4);
  });
});
