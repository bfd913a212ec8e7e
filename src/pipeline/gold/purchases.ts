/**
 * Kept purchases as parallel typed columns, 28 bytes a row in arrival order: 10M purchases
 * cost 280 MB here instead of gigabytes of row objects. Clients, days and products are
 * stored as dense group numbers handed out by the builder.
 */
export class PurchaseColumns {
  length = 0;
  idAchat: Float64Array;
  client: Uint32Array;
  day: Uint32Array;
  montant: Float64Array;
  product: Uint32Array;

  constructor(capacity: number) {
    const size = Math.max(capacity, 1024);
    this.idAchat = new Float64Array(size);
    this.client = new Uint32Array(size);
    this.day = new Uint32Array(size);
    this.montant = new Float64Array(size);
    this.product = new Uint32Array(size);
  }

  push(idAchat: number, client: number, day: number, montant: number, product: number): void {
    const i = this.length;
    if (i === this.idAchat.length) this.#grow();
    this.idAchat[i] = idAchat;
    this.client[i] = client;
    this.day[i] = day;
    this.montant[i] = montant;
    this.product[i] = product;
    this.length = i + 1;
  }

  /** By half again, not double: at 10M rows the slack of doubling is hundreds of MB. */
  #grow(): void {
    const size = Math.ceil(this.idAchat.length * 1.5);
    this.idAchat = grown(this.idAchat, new Float64Array(size));
    this.client = grown(this.client, new Uint32Array(size));
    this.day = grown(this.day, new Uint32Array(size));
    this.montant = grown(this.montant, new Float64Array(size));
    this.product = grown(this.product, new Uint32Array(size));
  }
}

function grown<T extends Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
