/** The values rows are made of, and the ways of spelling them that silver must see through or reject. */
import { PRODUCTS } from "../../contract/sources.ts";
import type { Rng } from "./rng.ts";

export const FIRST_NAMES = [
  "Jean", "Marie", "Pierre", "Sophie", "Luc", "Camille", "Nicolas", "Julie", "Thomas", "Léa",
  "Hugo", "Chloé", "Louis", "Manon", "Antoine", "Inès", "Julien", "Sarah", "Mathieu", "Emma",
  "Théo", "Zoé", "Benoît", "Hélène", "Jérôme", "Françoise", "Gaëlle", "Rémi", "Agnès", "Noël",
  "Maëlle", "François", "Céline", "Loïc", "Anaïs", "Stéphane", "Aurélie", "Cédric", "Élodie",
  "Jean-Marc", "Anne-Sophie", "Yves", "Margaux", "Bastien", "Clémence", "Quentin", "Océane",
];

export const LAST_NAMES = [
  "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
  "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
  "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
  "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry",
  "Roussel", "Perrin", "Morin", "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier",
  "Masson", "Le Gall", "D'Almeida", "Brunet", "Gérard", "Lemaître", "Bénard", "Château",
];

export const NICKNAMES = ["Jojo", "Max", "Lulu", "Titi", "Bibi", "Coco"];

export const MAIL_DOMAINS = [
  "gmail.com", "yahoo.fr", "orange.fr", "free.fr", "hotmail.com", "outlook.fr", "laposte.net",
  "sfr.fr", "proton.me", "wanadoo.fr",
];

/** Names as they appear in addresses: no accents, spaces or apostrophes, lower case. */
const mailPart = (name: string) =>
  name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z-]/g, "").toLowerCase();
export const FIRST_MAIL = FIRST_NAMES.map(mailPart);
export const LAST_MAIL = LAST_NAMES.map(mailPart);

export const PRODUCT_NAMES = Object.keys(PRODUCTS) as (keyof typeof PRODUCTS)[];
export const PRODUCT_CENTS = PRODUCT_NAMES.map((p) => PRODUCTS[p].map((eur) => eur * 100) as [number, number]);

export function euros(cents: number): string {
  const c = cents % 100;
  return `${(cents - c) / 100}.${c < 10 ? "0" : ""}${c}`;
}

/** Spellings silver must reject as ids: letters, signs, fractions, zero, beyond 2^53−1. */
export const BAD_IDS: ((id: number) => string)[] = [
  (id) => `C${id}`,
  (id) => `${id}a`,
  (id) => `-${id}`,
  () => "0",
  (id) => `${id}.5`,
  () => "9007199254740992",
  (id) => `#${id}`,
];

/** Amounts that are not `-?digits[(.|,)digits]`. */
export const BAD_AMOUNTS: ((amount: string) => string)[] = [
  (a) => `${a} EUR`,
  (a) => `€${a}`,
  (a) => `${a}.5`,
  (a) => `1 ${a}`,
  (a) => `${a.slice(0, -3)}e2`,
  () => "gratuit",
  (a) => a.slice(-3),
];

/** Addresses that, lower-cased, fail `^[^@\s]+@[^@\s]+\.[^@\s]+$`. */
export const BAD_EMAILS: ((local: string, domain: string) => string)[] = [
  (l, d) => `${l}.${d}`,
  (l, d) => `${l}@@${d}`,
  (l, d) => `${l}@${d.slice(0, d.indexOf("."))}`,
  (l, d) => `${l} @${d}`,
  (_, d) => `@${d}`,
  (l, d) => `${l}(at)${d}`,
];

/** A null for silver: empty, or only white space that its trim removes. */
export const blank = (rng: Rng) => (rng.chance(0.5) ? "" : "  ");

/** Surrounding white space or another letter case: noise silver must see through. */
export function noisy(value: string, rng: Rng, caseRate: number, spaceRate: number): string {
  const u = rng.float();
  if (u < caseRate / 2) return value.toLowerCase();
  if (u < caseRate) return value.toUpperCase();
  if (u < caseRate + spaceRate) return ` ${value} `;
  return value;
}
