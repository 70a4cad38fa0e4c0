import { planCommentMarker } from "../../../../components/github/naming";
import { formatViolation } from "../../../../policy/catalog";
import type { ReviewReport } from "../model";
import type { PreflightResult } from "../preflight/pypi";
import { KIND_MARK, KIND_WORD, describeChange, describeSecret, resourceLines } from "./lines";
import { TIERS, type RiskEntry } from "../risk";

/** GitHub rejects comments over 65,536 characters; stay well below with room for the workflow's wrapper. */
export const MARKDOWN_BUDGET = 60_000;

export interface MarkdownOptions {
    /** Maximum length in characters (default {@link MARKDOWN_BUDGET}). */
    readonly budget?: number;
    /** The command that prints everything, named when sections are collapsed. */
    readonly fullCommand?: string;
}

/** One block of the comment; `collapsed` is what it shrinks to when the comment is over budget. */
interface Section {
    readonly title: string;
    readonly body: string;
    readonly collapsed?: string;
}

/**
 * The PR comment for one channel: marker line, highest risk tier and its entries, summary table, policy
 * violations, domain sections (Composer, DAGs, Helm, GitHub), then every resource change in collapsible blocks.
 * Always within the budget: while over it, the longest sections are collapsed into counts, and the comment says
 * which. A pure function of the report.
 */
export function renderMarkdown(report: ReviewReport, opts: MarkdownOptions = {}): string {
    const budget = opts.budget ?? MARKDOWN_BUDGET;
    const d = report.diff;
    const header = [
        planCommentMarker(d.stack),
        `### Offline plan: \`${d.stack}\` — ${esc(d.baseLabel)} → ${esc(d.headLabel)}`,
        "",
        "_Desired-state diff computed offline (no credentials, no cloud): what the program declares, not what the cloud has._",
    ].join("\n");
    if (
        d.resources.length === 0 &&
        !d.outputs?.length &&
        report.violations.length === 0 &&
        report.policy.length === 0
    ) {
        return `${header}\n\n**No changes.** ${d.unchanged} resources unchanged.\n`;
    }
    const sections = [
        riskSection(report),
        summarySection(report),
        violationSection(report),
        composerSection(report),
        removedDagSection(report),
        dagSection(report),
        helmSection(report),
        manifestSection(report),
        githubSection(report),
        outputSection(report),
        secretSection(report),
        detailSection(report),
    ].filter((s): s is Section => s !== undefined);
    return fit(
        header,
        sections,
        budget,
        opts.fullCommand ?? `npm run plan -- --stack ${d.stack} --base <ref> --format json`,
    );
}

function fit(header: string, sections: Section[], budget: number, fullCommand: string): string {
    const current = sections.map((s) => ({ ...s, text: s.body, isCollapsed: false }));
    const join = (note: string) =>
        [header, ...current.map((s) => (s.title ? `#### ${s.title}\n\n${s.text}` : s.text)), note]
            .filter(Boolean)
            .join("\n\n") + "\n";
    const noteFor = () => {
        const names = current.filter((s) => s.isCollapsed).map((s) => s.title);
        return names.length
            ? `> [!NOTE]\n> Collapsed to counts to stay within ${budget.toLocaleString("en-US")} characters: ${names.join(", ")}. Full diff: \`${fullCommand}\``
            : "";
    };
    let text = join("");
    while (text.length > budget) {
        const candidates = current.filter((s) => !s.isCollapsed && s.collapsed !== undefined);
        if (candidates.length === 0) break;
        const longest = candidates.reduce((a, b) => (b.text.length > a.text.length ? b : a));
        longest.text = longest.collapsed!;
        longest.isCollapsed = true;
        text = join(noteFor());
    }
    if (text.length > budget) {
        // Only reachable with an absurdly small budget: keep the start (marker and risk headline).
        const cut = `\n\n_…truncated to ${budget} characters. Full diff: \`${fullCommand}\`_\n`;
        text = text.slice(0, Math.max(0, budget - cut.length)) + cut;
    }
    return text;
}

/** Markdown-safe inline text (no table breaks, no HTML). */
function esc(s: string): string {
    return s.replace(/[|<>]/g, (c) => `\\${c}`);
}

/** Inline code that survives backticks in the value. */
function code(s: string): string {
    const ticks = "`".repeat(Math.max(0, ...(s.match(/`+/g) ?? []).map((t) => t.length)) + 1);
    const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
    return `${ticks}${pad}${s.replace(/\|/g, "\\|")}${pad}${ticks}`;
}

/** A list shortened to `max` items with a count of the rest. */
function firstItems<T>(items: readonly T[], max: number, line: (t: T) => string): string {
    const shown = items.slice(0, max).map(line);
    if (items.length > max) shown.push(`- …and ${items.length - max} more`);
    return shown.join("\n");
}

const TIER_ICON: Record<string, string> = { critical: "🛑", high: "🔴", medium: "🟠", low: "⚪" };

function riskLine(e: RiskEntry): string {
    return `- ${code(e.subject)}: ${esc(e.reason)}`;
}

function riskSection(report: ReviewReport): Section | undefined {
    const top = report.highestTier;
    if (!top) return undefined;
    const byTier = TIERS.map((t) => ({ tier: t, entries: report.risks.filter((e) => e.tier === t) })).filter(
        (x) => x.entries.length,
    );
    const counts = byTier.map((x) => `${x.tier}: ${x.entries.length}`).join(" · ");
    const topEntries = byTier[0].entries;
    const headline = `**Highest risk: ${TIER_ICON[top]} ${top.toUpperCase()}** (${counts})`;
    const others = byTier
        .slice(1)
        .filter((x) => x.tier !== "low")
        .map((x) => `**${x.tier}**\n\n${x.entries.map(riskLine).join("\n")}`);
    return {
        title: "",
        body: [headline, topEntries.map(riskLine).join("\n"), ...others].join("\n\n"),
        collapsed: `${headline}\n\n${firstItems(topEntries, 10, riskLine)}`,
    };
}

function summarySection(report: ReviewReport): Section {
    const rows = report.summary.map((r) => `| ${code(r.group)} | ${r.add} | ${r.change} | ${r.remove} |`);
    const total = report.summary.reduce(
        (n, r) => [n[0] + r.add, n[1] + r.change, n[2] + r.remove],
        [0, 0, 0],
    );
    return {
        title: `Summary: ${report.diff.stack}`,
        body: [
            "| Component | Added | Changed | Removed |",
            "| --- | ---: | ---: | ---: |",
            ...rows,
            `| **total** | **${total[0]}** | **${total[1]}** | **${total[2]}** |`,
            "",
            `${report.diff.unchanged} resources unchanged.`,
        ].join("\n"),
    };
}

function violationSection(report: ReviewReport): Section | undefined {
    const v = report.violations;
    if (!v.length) return undefined;
    const mandatory = v.filter((x) => x.level === "mandatory").length;
    const line = (x: (typeof v)[number]) => `- ${esc(formatViolation(x))}`;
    return {
        title: `Policy violations (${mandatory} mandatory, ${v.length - mandatory} advisory)`,
        body: v.map(line).join("\n"),
        collapsed: firstItems(v, 10, line),
    };
}

function composerSection(report: ReviewReport): Section | undefined {
    if (!report.composer.length) return undefined;
    const parts = report.composer.map((c) => {
        const lines = [`**${esc(c.name)}** (${KIND_WORD[c.kind]})`];
        if (c.imageAndPypiTogether)
            lines.push(
                "> [!WARNING]\n> **`imageVersion` and `pypiPackages` change together.** Composer upgrades the image first and builds it with the old packages; split this into two releases (image first, then packages).",
            );
        if (c.imageVersion)
            lines.push(
                `Image version: ${code(c.imageVersion.old ?? "(none)")} → ${code(c.imageVersion.new ?? "(none)")}`,
            );
        if (c.pypi.length)
            lines.push(
                [
                    "| Package | Old | New |",
                    "| --- | --- | --- |",
                    ...c.pypi.map(
                        (p) =>
                            `| ${code(p.package)} | ${p.old === undefined ? "_added_" : code(p.old || "any")} | ${p.new === undefined ? "_removed_" : code(p.new || "any")} |`,
                    ),
                ].join("\n"),
            );
        for (const [label, keys] of [
            ["Env variables", c.envVariables],
            ["Airflow config overrides", c.airflowConfigOverrides],
        ] as const) {
            if (keys.length)
                lines.push(`${label}: ${keys.map((k) => `${code(k.key)} ${k.kind}`).join(", ")}`);
        }
        for (const p of (report.preflight ?? []).filter((x) => x.urn === c.urn))
            lines.push(preflightBlock(p));
        return lines.join("\n\n");
    });
    const collapsed = report.composer
        .map(
            (c) =>
                `**${esc(c.name)}**: ${c.imageAndPypiTogether ? "⚠️ image and PyPI change together; " : ""}${c.imageVersion ? "image changed; " : ""}${c.pypi.length} PyPI, ${c.envVariables.length} env, ${c.airflowConfigOverrides.length} override changes`,
        )
        .join("\n");
    return { title: "Composer", body: parts.join("\n\n"), collapsed };
}

/** One environment's PyPI preflight: passed with the versions, the conflict chain, or why it did not run. */
function preflightBlock(p: PreflightResult): string {
    if (p.status === "skipped") return `_PyPI preflight skipped: ${esc(p.reason)}._`;
    const against = `against the packages preinstalled in ${code(p.imageVersion)} (set from ${esc(p.set.source)}, read ${p.set.age} ago; pip ${p.pip})`;
    if (p.status === "passed") {
        const requested = p.resolved.filter((r) => r.requested);
        const deps = p.resolved.filter((r) => !r.requested && !r.preinstalled);
        const pin = (r: { name: string; version: string }) => code(`${r.name}==${r.version}`);
        return [
            `✅ **PyPI preflight passed** ${against}: ${requested.map(pin).join(", ") || "nothing new to install"}.`,
            ...(deps.length
                ? [
                      `<details><summary>${deps.length} dependencies installed with them (not in the image)</summary>\n\n${deps.map(pin).join(", ")}\n\n</details>`,
                  ]
                : []),
        ].join("\n\n");
    }
    if (p.status === "conflict")
        return [
            `> [!CAUTION]\n> **PyPI preflight: conflict** ${against}. Composer would fail this update 25–60 minutes in.\n> ${esc(p.message)}`,
            p.chain.map((l) => `- ${esc(l)}`).join("\n"),
        ].join("\n\n");
    return `> [!CAUTION]\n> **PyPI preflight failed** ${against}:\n> ${p.message.split("\n").map(esc).join("\n> ")}`;
}

function removedDagSection(report: ReviewReport): Section | undefined {
    if (!report.removedDags.length) return undefined;
    const head = `> [!CAUTION]\n> ${report.removedDags.length} DAG file(s) removed: Airflow stops scheduling them and their history stays only in the metadata database.`;
    const line = (f: string) => `- ${code(f)}`;
    return {
        title: "Removed DAGs",
        body: `${head}\n\n${report.removedDags.map(line).join("\n")}`,
        collapsed: `${head}\n\n${firstItems(report.removedDags, 20, line)}`,
    };
}

function dagSection(report: ReviewReport): Section | undefined {
    if (!report.dags.length) return undefined;
    const line = (f: string) => `- ${code(f)}`;
    const body = report.dags
        .map((p) => {
            const lists = (["added", "changed", "removed"] as const)
                .filter((k) => p[k].length)
                .map(
                    (k) =>
                        `<details><summary>${k} (${p[k].length})</summary>\n\n${p[k].map(line).join("\n")}\n\n</details>`,
                );
            return [`**${code(p.prefix)}**: ${counts(p)}`, ...lists].join("\n\n");
        })
        .join("\n\n");
    return {
        title: "DAGs and plugins",
        body,
        collapsed: report.dags.map((p) => `- ${code(p.prefix)}: ${counts(p)}`).join("\n"),
    };
}

const counts = (p: { added: readonly string[]; changed: readonly string[]; removed: readonly string[] }) =>
    `${p.added.length} added, ${p.changed.length} changed, ${p.removed.length} removed`;

function helmSection(report: ReviewReport): Section | undefined {
    if (!report.helm.length) return undefined;
    const row = (h: ReviewReport["helm"][number]) => {
        const chart = h.chart
            ? `${code(h.chart.old ?? "")} → ${code(h.chart.new ?? "")}${h.majorBump ? " **(major)**" : ""}`
            : h.contentHashChanged
              ? "content changed"
              : "";
        const values = [
            ...h.values.map((v) => `${code(v.key)} ${v.kind}`),
            ...h.valuesFiles.map((f) => `file ${code(f)} changed`),
        ].join(", ");
        return `| ${code(h.release)} | ${KIND_WORD[h.kind]} | ${chart} | ${values} |`;
    };
    return {
        title: "Helm releases",
        body: [
            "| Release | Change | Chart | Values |",
            "| --- | --- | --- | --- |",
            ...report.helm.map(row),
        ].join("\n"),
        collapsed: report.helm
            .map(
                (h) =>
                    `- ${code(h.release)}: ${KIND_WORD[h.kind]}${h.chart ? ", chart changed" : ""}${h.contentHashChanged ? ", chart content changed" : ""}, ${h.values.length} values keys`,
            )
            .join("\n"),
    };
}

function manifestSection(report: ReviewReport): Section | undefined {
    const m = report.manifests;
    if (!m || m.candidates === 0) return undefined;
    const missing = m.missing.map(
        (x) =>
            `_Rendered manifests: \`${x.tool}\` is not on PATH, so the manifest diff of ${x.candidates} changed ${x.tool === "helm" ? "local-chart release(s)" : "local kustomize directory(ies)"} is not shown._`,
    );
    if (!m.releases.length)
        return {
            title: "",
            body: [
                ...missing,
                ...(m.rendered
                    ? ["_Rendered manifests: the changed releases render the same objects._"]
                    : []),
            ].join("\n\n"),
        };
    const fence = (text: string) => `\`\`\`diff\n${text.replace(/```/g, "`\u200b``")}\n\`\`\``;
    const body = m.releases
        .map((r) =>
            r.error
                ? `**${code(r.release)}**: not rendered (${esc(r.error)})`
                : [
                      `**${code(r.release)}**: ${r.objects.length} object(s) differ`,
                      ...r.objects.map(
                          (o) =>
                              `<details><summary>${o.kind} <code>${esc(o.object)}</code></summary>\n\n${fence(o.diff)}\n\n</details>`,
                      ),
                  ].join("\n\n"),
        )
        .join("\n\n");
    return {
        title: "Rendered manifests (helm template, kustomize build; Secret and credential values masked)",
        body: [...missing, body].join("\n\n"),
        collapsed: [
            ...missing,
            m.releases
                .map(
                    (r) =>
                        `- ${code(r.release)}: ${r.error ? "not rendered" : r.objects.map((o) => `${o.kind} ${o.object}`).join(", ")}`,
                )
                .join("\n"),
        ].join("\n\n"),
    };
}

function githubSection(report: ReviewReport): Section | undefined {
    if (!report.weakenings.length) return undefined;
    const line = (w: ReviewReport["weakenings"][number]) => `- **${esc(w.subject)}**: ${esc(w.what)}`;
    return {
        title: "GitHub protection weakened",
        body: `> [!WARNING]\n> This change weakens repository governance.\n\n${report.weakenings.map(line).join("\n")}`,
        collapsed: firstItems(report.weakenings, 10, line),
    };
}

function outputSection(report: ReviewReport): Section | undefined {
    const outputs = report.diff.outputs ?? [];
    if (!outputs.length) return undefined;
    const line = (c: (typeof outputs)[number]) => `- ${esc(describeChange(c, 200))}`;
    return {
        title: `Stack outputs (${outputs.length})`,
        body: `_What other stacks (\`StackReference\`) and the workflows read from this channel._\n\n${outputs.map(line).join("\n")}`,
        collapsed: firstItems(outputs, 10, line),
    };
}

function secretSection(report: ReviewReport): Section | undefined {
    if (!report.secretChanges.length) return undefined;
    const line = (s: ReviewReport["secretChanges"][number]) =>
        `- ${code(s.subject)} ${esc(describeSecret(s))}`;
    return {
        title: "Secrets",
        body: `_Values are never shown; fingerprints are keyed per run._\n\n${report.secretChanges.map(line).join("\n")}`,
        collapsed: firstItems(report.secretChanges, 10, line),
    };
}

function detailSection(report: ReviewReport): Section {
    const blocks = report.diff.resources.map((r) => {
        const lines = resourceLines(r, 200);
        const title = `${KIND_MARK[r.kind]} <code>${esc(r.type)}</code> ${esc(r.name)}`;
        const body = lines.length
            ? `\n\n\`\`\`\n${lines.join("\n").replace(/```/g, "`\u200b``")}\n\`\`\`\n`
            : "";
        return `<details><summary>${title}</summary>${body}\n</details>`;
    });
    return {
        title: `Resource changes (${report.diff.resources.length})`,
        body: blocks.join("\n"),
        collapsed: report.summary
            .map((r) => `- ${code(r.group)}: +${r.add} ~${r.change} -${r.remove}`)
            .join("\n"),
    };
}
