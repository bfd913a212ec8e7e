import { describe, expect, test } from "bun:test";
import { dayNumber } from "../../../src/core/dates.ts";
import { ACHAT_REJECT_CODES, CLIENT_REJECT_CODES } from "../../../src/contract/rejects.ts";
import {
  ACHAT_RULES,
  AchatRecord,
  CLIENT_RULES,
  ClientRecord,
  judgeAchat,
  judgeClient,
  MAX_AGE_DAYS,
  OUTLIER_CANDIDATE_RULES,
} from "../../../src/pipeline/silver/rules.ts";
import { quantileLinear } from "../../../src/stats/order-statistics.ts";
import {
  checkAchat,
  checkClient,
  preReason as preReasonOf,
  recordOf,
  type AchatFields,
  type ClientFields,
} from "../../support/silver-rules.ts";

const AS_OF = dayNumber("2024-06-15");

describe("the rule lists", () => {
  test("hold the contract's reject codes in its order", () => {
    expect(CLIENT_RULES.map((rule) => rule.code)).toEqual([...CLIENT_REJECT_CODES]);
    expect(ACHAT_RULES.map((rule) => rule.code)).toEqual([...ACHAT_REJECT_CODES]);
  });

  test("q99's candidates are the purchases that passed rules 0–4", () => {
    expect(OUTLIER_CANDIDATE_RULES.map((rule) => rule.code)).toEqual([
      "malformed_row",
      "missing_field",
      "invalid_id",
      "invalid_amount",
      "negative_amount",
    ]);
  });
});

describe("rule 0 and the last rule, which need the record's shape and the pass's memory", () => {
  const client = ["1", "Ana", "ana@example.com", "2024-01-01", "France"];
  const achat = ["1", "1", "2024-01-01", "10", "Laptop"];

  test("malformed_row: more or fewer fields than the header, before any other rule", () => {
    const r = new ClientRecord(AS_OF);
    for (const fields of [client.slice(0, 4), [...client, "extra"], ["x", "", "", "bad", "bad", "bad", "bad"]]) {
      r.read(recordOf(fields), 0);
      expect([fields, judgeClient(r)]).toEqual([fields, "malformed_row"]);
    }
    const a = new AchatRecord(AS_OF, 1000);
    a.read(recordOf([...achat, ""]), 0);
    expect(judgeAchat(a)).toBe("malformed_row");
    a.read(recordOf(achat.slice(1)), 0);
    expect(judgeAchat(a)).toBe("malformed_row");
  });

  test("duplicate: an earlier row with the same id was kept; rejected rows do not count", () => {
    const r = new ClientRecord(AS_OF);
    const client = (fields: string[]) => {
      r.read(recordOf(fields), 0);
      return judgeClient(r);
    };
    expect(client(["7", "Ana", "ana@example.com", "2025-01-01", ""])).toBe("future_date");
    expect(client(["7", "Ana", "ana@example.com", "2024-01-01", "France"])).toBeNull();
    expect(client(["007.0", "Bob", "bob@example.com", "2024-01-01", "Spain"])).toBe("duplicate");
    expect(client(["8", "Eve", "eve@example.com", "2024-01-01", "UK"])).toBeNull();

    const a = new AchatRecord(AS_OF, 1000);
    const achat = (fields: string[]) => {
      a.read(recordOf(fields), 0);
      return judgeAchat(a);
    };
    expect(achat(["3", "1", "2024-01-01", "5000", "Laptop"])).toBe("outlier_amount");
    expect(achat(["3", "1", "2024-01-01", "10", "Laptop"])).toBeNull();
    expect(achat(["03", "2", "2024-02-01", "20", "Phone"])).toBe("duplicate");
  });
});

describe("client rules 1–5 in order", () => {
  const good: ClientFields = {
    id_client: "042",
    nom: "Ana",
    email: "Ana.B@Example.COM",
    date_inscription: "15/06/2024",
    pays: "fRaNcE",
  };
  const reason = (f: Partial<ClientFields>) => {
    const r = checkClient({ ...good, ...f }, AS_OF);
    return r.ok ? "ok" : r.reason;
  };

  test("a good row becomes a kept client", () => {
    expect(checkClient(good, AS_OF)).toEqual({
      ok: true,
      client: { id_client: 42, nom: "Ana", email: "ana.b@example.com", date_inscription: "2024-06-15", pays: "France" },
    });
  });

  test("pays may be null or unknown", () => {
    const noPays = checkClient({ ...good, pays: null }, AS_OF);
    expect(noPays.ok && noPays.client.pays).toBeNull();
    const other = checkClient({ ...good, pays: "Narnia" }, AS_OF);
    expect(other.ok && other.client.pays).toBe("Narnia");
  });

  test("each rule, and a row breaking several gets the first", () => {
    expect(reason({ nom: null })).toBe("missing_field");
    expect(reason({ id_client: null, email: "bad", date_inscription: "bad" })).toBe("missing_field");
    expect(reason({ id_client: "0", email: "bad", date_inscription: "bad" })).toBe("invalid_id");
    expect(reason({ email: "no-at.example.com", date_inscription: "2024-02-30" })).toBe("invalid_email");
    expect(reason({ date_inscription: "2024-02-30" })).toBe("invalid_date");
    expect(reason({ date_inscription: "2024-06-16" })).toBe("future_date");
    expect(reason({ date_inscription: "2024-06-15T23:59:59+23:59" })).toBe("ok");
  });
});

describe("purchase rules 1–8 in order", () => {
  const good: AchatFields = {
    id_achat: "7.0",
    id_client: "42",
    date_achat: "2024/06/01",
    montant: "12,50",
    produit: "laptop",
  };
  const preReason = (f: Partial<AchatFields>) => preReasonOf({ ...good, ...f });
  const postReason = (f: Partial<AchatFields>, limit = 1000) => {
    expect(preReason(f)).toBe("ok");
    const r = checkAchat({ ...good, ...f }, AS_OF, limit);
    return r.ok ? "ok" : r.reason;
  };

  test("a good row passes every rule", () => {
    expect(checkAchat(good, AS_OF, 25)).toEqual({
      ok: true,
      achat: { id_achat: 7, id_client: 42, date_achat: "2024-06-01", montant: 12.5, produit: "Laptop" },
    });
  });

  test("rules 1–4, and a row breaking several gets the first", () => {
    expect(preReason({ produit: null })).toBe("missing_field");
    expect(preReason({ date_achat: null, id_achat: "x", montant: "x" })).toBe("missing_field");
    expect(preReason({ id_client: "1e3", montant: "-5" })).toBe("invalid_id");
    expect(preReason({ id_achat: "-7" })).toBe("invalid_id");
    expect(preReason({ montant: "1.2.3", date_achat: "nope" })).toBe("invalid_amount");
    expect(preReason({ montant: "-3", date_achat: "nope" })).toBe("negative_amount");
    expect(preReason({ montant: "-0" })).toBe("ok");
    // The date is not judged before the outlier rule.
    expect(preReason({ date_achat: "2024-02-30" })).toBe("ok");
  });

  test("rules 5–8, and a row breaking several gets the first", () => {
    expect(postReason({ montant: "1000.01", date_achat: "nope" })).toBe("outlier_amount");
    expect(postReason({ montant: "1000" })).toBe("ok");
    expect(postReason({ date_achat: "2024-02-30" })).toBe("invalid_date");
    expect(postReason({ date_achat: "2024-06-16" })).toBe("future_date");
    expect(postReason({ date_achat: "2024-06-15" })).toBe("ok");
    // 2014-06-15 → 2024-06-15 is 3653 days (leap days 2016, 2020, 2024), so as_of − 3650 is 2014-06-18.
    expect(MAX_AGE_DAYS).toBe(3650);
    expect(postReason({ date_achat: "2014-06-18" })).toBe("ok");
    expect(postReason({ date_achat: "18/06/2014" })).toBe("ok");
    expect(postReason({ date_achat: "2014-06-17T23:59:59" })).toBe("too_old");
  });

  test("with no rows before it the limit is NaN and nothing is an outlier", () => {
    const huge = checkAchat({ ...good, montant: `1${"0".repeat(300)}` }, AS_OF, 2 * quantileLinear(new Float64Array(0), 0.99));
    expect(huge.ok && huge.achat.montant).toBe(1e300);
  });
});
