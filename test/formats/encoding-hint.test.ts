import { expect, test } from "bun:test";
import { latin1Hint } from "../../src/formats/encoding-hint.ts";

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

test("a Latin-1 line is shown as it would read, with the command that converts it", () => {
  expect(latin1Hint(latin1("3,Müller,m@x.fr,2024-01-01,Zürich\r"))).toBe(
    'as Latin-1 it would read "3,Müller,m@x.fr,2024-01-01,Zürich"; if so, convert the file: iconv -f WINDOWS-1252 -t UTF-8',
  );
});

test("broken UTF-8 and binary bytes get no Latin-1 hint", () => {
  expect(latin1Hint(Uint8Array.of(0x61, 0xe2, 0x82, 0x61))).toBeNull();
  expect(latin1Hint(Uint8Array.of(0x61, 0x00, 0xe9))).toBeNull();
  // 0x81 is undefined in Windows-1252.
  expect(latin1Hint(Uint8Array.of(0x61, 0x81, 0x61))).toBeNull();
});
