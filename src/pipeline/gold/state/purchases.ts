import { grown, sharedArray, type NumberArrayType } from "../../../columnar/columns.ts";

/** Non-negative integers in the narrowest typed array that has held them so far. */
export type Narrow = Uint8Array | Uint16Array | Uint32Array | Float64Array;
type NarrowType = NumberArrayType<Narrow>;

const WIDER: readonly (readonly [NarrowType, number])[] = [
  [Uint8Array, 0xff],
  [Uint16Array, 0xffff],
  [Uint32Array, 0xffffffff],
  [Float64Array, Infinity],
];

/**
 * Kept purchases as parallel typed columns in arrival order. Clients, days and products are
 * dense group numbers handed out by accumulate.ts; ids, days and products take as few bytes
 * as their values allow: a day 2, a product 1, an id 4 until one passes 2^32. 10M purchases
 * take about 190 MB here.
 */
export class PurchaseColumns {
  length = 0;
  idAchat: Narrow = sharedArray(Uint32Array, 0);
  client = sharedArray(Uint32Array, 0);
  day: Narrow = sharedArray(Uint16Array, 0);
  montant: Float64Array;
  product: Narrow = sharedArray(Uint8Array, 0);
  // The largest value each column holds as it is.
  #idLimit = 0xffffffff;
  #dayLimit = 0xffff;
  #productLimit = 0xff;

  constructor(capacity: number) {
    this.montant = sharedArray(Float64Array, Math.max(capacity, 1024));
    this.#resize(this.montant.length);
  }

  push(idAchat: number, client: number, day: number, montant: number, product: number): void {
    const i = this.length;
    if (i === this.montant.length) {
      // By half again, not double: at 10M rows the slack of doubling is a hundred MB.
      this.montant = grown(this.montant, Math.ceil(i * 1.5));
      this.#resize(this.montant.length);
    }
    if (idAchat > this.#idLimit) [this.idAchat, this.#idLimit] = wider(this.idAchat, idAchat);
    if (day > this.#dayLimit) [this.day, this.#dayLimit] = wider(this.day, day);
    if (product > this.#productLimit) [this.product, this.#productLimit] = wider(this.product, product);
    this.idAchat[i] = idAchat;
    this.client[i] = client;
    this.day[i] = day;
    this.montant[i] = montant;
    this.product[i] = product;
    this.length = i + 1;
  }

  #resize(size: number): void {
    this.idAchat = grown(this.idAchat, size);
    this.client = grown(this.client, size);
    this.day = grown(this.day, size);
    this.product = grown(this.product, size);
  }
}

/** The column copied into the narrowest wider type that holds `value`, and that type's limit. */
function wider(column: Narrow, value: number): [Narrow, number] {
  const [Type, limit] = WIDER.find(([, max]) => value <= max)!;
  const out = sharedArray(Type, column.length);
  out.set(column as never);
  return [out, limit];
}
