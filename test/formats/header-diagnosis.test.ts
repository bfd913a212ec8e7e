import { expect, test } from "bun:test";
import { headerDiagnosis } from "../../src/formats/header-diagnosis.ts";

const CLIENTS = ["id_client", "nom", "email", "date_inscription", "pays"];

test("a semicolon- or tab-separated header is named as such", () => {
  expect(headerDiagnosis(["id_client;nom;email;date_inscription;pays"], CLIENTS)).toBe(
    'the file looks semicolon-separated (";"); SPEC\'s files are comma-separated',
  );
  expect(headerDiagnosis(["id_client\tnom\temail\tdate_inscription\tpays"], CLIENTS)).toBe(
    'the file looks tab-separated ("\\t"); SPEC\'s files are comma-separated',
  );
});

test("missing, extra and reordered columns", () => {
  expect(headerDiagnosis(["id_client", "nom", "date_inscription", "pays"], CLIENTS)).toBe("missing email");
  expect(headerDiagnosis([...CLIENTS, "ville"], CLIENTS)).toBe("extra ville");
  expect(headerDiagnosis(["id", "nom", "email", "date_inscription", "pays"], CLIENTS)).toBe("missing id_client; extra id");
  expect(headerDiagnosis(["nom", "id_client", "email", "date_inscription", "pays"], CLIENTS)).toBe("the same columns in another order");
  expect(headerDiagnosis([...CLIENTS, "pays"], CLIENTS)).toBe("a column is repeated");
});

test("a comma file whose names hold a semicolon is not called semicolon-separated", () => {
  expect(headerDiagnosis(["id_client", "nom;x", "email", "date_inscription", "pays"], CLIENTS)).toBe("missing nom; extra nom;x");
});

test("a header of many names is diagnosed in a few words", () => {
  const many = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
  expect(headerDiagnosis(many, CLIENTS)).toBe("missing id_client, nom, email, date_inscription, pays; extra c0, c1, c2, c3, c4 and 9995 more");
});
