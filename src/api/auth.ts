import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The API key check. Both sides are hashed first so the comparison takes the same time
 * whatever the length or the content of what a client sent.
 */
export function apiKeyCheck(apiKey: string): (headers: Headers) => boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  const expected = digest(apiKey);
  return (headers) => {
    const bearer = /^Bearer +(\S+) *$/i.exec(headers.get("authorization") ?? "")?.[1];
    const given = headers.get("x-api-key") ?? bearer;
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}
