import { describe, expect, test } from "bun:test";
import { judgeOf, type Rule } from "../../../src/pipeline/silver/rule-judge.ts";

describe("judgeOf", () => {
  /** Rules over a list of numbers, each recording that it was asked. */
  const asked: string[] = [];
  const rule = (code: string, broken: (xs: number[]) => boolean): Rule<number[], string> => ({
    code,
    check: (xs) => {
      asked.push(code);
      return broken(xs);
    },
  });
  const judge = judgeOf([
    rule("empty", (xs) => xs.length === 0),
    rule("negative", (xs) => xs.some((x) => x < 0)),
    rule("too_big", (xs) => xs.some((x) => x > 9)),
  ]);

  test("the code of the first rule broken, asking the rules in order and none after it", () => {
    asked.length = 0;
    expect(judge([-1, 10])).toBe("negative");
    expect(asked).toEqual(["empty", "negative"]);
    expect(judge([])).toBe("empty");
    expect(judge([10])).toBe("too_big");
  });

  test("null when no rule is broken; an empty list breaks nothing", () => {
    asked.length = 0;
    expect(judge([1, 2])).toBeNull();
    expect(asked).toEqual(["empty", "negative", "too_big"]);
    expect(judgeOf<number[], string>([])([])).toBeNull();
  });
});
