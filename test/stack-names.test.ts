import { strict as assert } from "node:assert";
import { stackNameProblem } from "../runtime/stack-names";

describe("stack names follow Pulumi's rule (tokens.ParseStackName)", () => {
    const table: Array<[string, string | undefined]> = [
        ["test", undefined],
        ["prod-eu_2.a", undefined],
        ["a".repeat(100), undefined],
        ["", "a stack name may not be empty"],
        ["a".repeat(101), "a stack name cannot exceed 100 characters"],
        [
            "../x",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "/" at position 2',
        ],
        [
            "org/proj/test",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character "/" at position 3',
        ],
        [
            "my stack",
            'a stack name may only contain alphanumeric, hyphens, underscores, or periods: invalid character " " at position 2',
        ],
        ["..", "a stack name may not be . or .."],
    ];
    for (const [name, problem] of table) {
        it(`${problem ? "refuses" : "accepts"} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}`, () => {
            assert.equal(stackNameProblem(name), problem);
        });
    }
});
