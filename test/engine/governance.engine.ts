/**
 * Engine tier, issue 15 item 7: the GitHub settings leave the channel stacks for the governance project
 * (governance/) by `pulumi state move`, with the real CLI and engine (docs/governance.md). Its own workspace, so the
 * channel scenarios' `test` stack is not touched.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { destructions, governanceRemovals, type PreviewDigest } from "../../tools/deploy-guard/check";
import { EngineWorkspace, changes, findEngineBin, type PreviewJson } from "./harness";

describe("engine tier: moving the governance out of a channel stack (issue 15, item 7)", function () {
    this.timeout(60 * 60 * 1000);
    let ws: EngineWorkspace;
    before(function () {
        ws = EngineWorkspace.create(findEngineBin());
    });
    after(function () {
        if (ws && !process.env.DATA_INFRA_ENGINE_KEEP) ws.remove();
    });

    it("state move carries test's settings into data-infra-governance/test with nothing to apply; the deploy guard refuses the channel deploy before the move and lets it through after", async function () {
        // GIVEN test's channel stack holding its governance as before this change: the same program part (component
        // `github`, its children, provider `github`) under the channel project's name, deployed with the real engine
        const old = path.join(ws.project, "old-channel");
        fs.mkdirSync(old);
        // Every file of governance/ (program, tsconfigs) but its stack files; Pulumi.yaml renamed below.
        for (const f of fs.readdirSync(path.join(ws.project, "governance")))
            if (!/^Pulumi\.[^.]+\.yaml$/.test(f))
                fs.copyFileSync(path.join(ws.project, "governance", f), path.join(old, f));
        const projectYaml = fs
            .readFileSync(path.join(ws.project, "governance", "Pulumi.yaml"), "utf8")
            .replace(/^name: data-infra-governance$/m, "name: data-infra");
        fs.writeFileSync(path.join(old, "Pulumi.yaml"), projectYaml);
        await ws.initStack("test", old);
        await ws.must(["up", "--stack", "test", "--yes", "--skip-preview"], { stack: "test", cwd: old });
        const held = (await ws.exportState("test")).deployment
            .resources!.filter(
                (r) => r.type === "data-infra:github:Governance" || r.type.startsWith("github:"),
            )
            .map((r) => r.urn);
        assert.ok(
            held.some((u) => u.endsWith("::github-protect-release")),
            held.join("\n"),
        );

        // WHEN the channel's program no longer declares them (as index.ts now), its preview deletes them: the guard
        // refuses, whatever allow_destroy says
        fs.writeFileSync(path.join(old, "index.ts"), "export {};\n");
        const before = await ws.preview("test", old);
        const refused = governanceRemovals(before.json as PreviewDigest);
        assert.deepEqual(
            refused,
            held.filter((u) => !u.endsWith("data-infra:github:Governance::github")).sort(),
        );

        // WHEN an administrator moves them (docs/governance.md)
        const gov = path.join(ws.project, "governance");
        await ws.initStack("test", gov);
        await ws.must(
            [
                "state",
                "move",
                "--source",
                "test",
                "--dest",
                "organization/data-infra-governance/test",
                "--include-parents",
                "--yes",
                ...held,
            ],
            { cwd: old },
        );

        // THEN the governance stack's preview of the real governance program plans no change
        const moved: PreviewJson = (await ws.preview("test", gov)).json;
        assert.deepEqual(changes(moved), []);
        // every moved resource, plus the stack and the github provider, planned unchanged (`same`)
        assert.deepEqual(moved.changeSummary, { same: held.length + 2 });
        // AND the channel's preview only forgets the empty github provider, which the guard lets through
        const after = (await ws.preview("test", old)).json as PreviewDigest;
        assert.deepEqual(changes(after as PreviewJson), [
            "delete urn:pulumi:test::data-infra::pulumi:providers:github::github",
        ]);
        assert.deepEqual(governanceRemovals(after), []);
        assert.deepEqual(destructions(after), []);
    });
});
