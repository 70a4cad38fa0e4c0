import { formatViolation } from "../../../../policy/catalog";
import type { ReviewReport } from "../model";
import { KIND_MARK, KIND_WORD, describeChange, describeSecret, resourceLines } from "./lines";
import { TIERS } from "../risk";

/** The review report as plain text for a terminal: everything, no size budget. */
export function renderDiffText(report: ReviewReport): string {
    const d = report.diff;
    const out = [
        `Offline plan diff for stack ${d.stack}: ${d.baseLabel} → ${d.headLabel}`,
        "  Desired state computed offline; not a diff against the cloud.",
        "",
    ];
    if (d.resources.length === 0 && !d.outputs?.length && report.policy.length === 0)
        out.push(`No changes (${d.unchanged} resources unchanged).`);
    else {
        out.push(`Highest risk: ${report.highestTier}`);
        for (const tier of TIERS) {
            const entries = report.risks.filter((e) => e.tier === tier);
            if (entries.length && tier !== "low")
                out.push(`  ${tier}:`, ...entries.map((e) => `    ${e.subject}: ${e.reason}`));
        }
        out.push("", "Summary (added / changed / removed):");
        for (const r of report.summary) out.push(`  ${r.group}: +${r.add} ~${r.change} -${r.remove}`);
        out.push(`  ${d.unchanged} unchanged`);
    }
    if (d.outputs?.length)
        out.push(
            "",
            "Stack outputs (read by other stacks and the workflows):",
            ...d.outputs.map((c) => `  ${describeChange(c)}`),
        );
    if (report.violations.length)
        out.push("", "Policy violations:", ...report.violations.map((v) => `  ${formatViolation(v)}`));
    for (const c of report.composer) {
        out.push("", `Composer ${c.name} (${KIND_WORD[c.kind]}):`);
        if (c.imageAndPypiTogether)
            out.push(
                "  WARNING: imageVersion and pypiPackages change together; Composer builds the new image with the old packages first. Split into two releases.",
            );
        if (c.imageVersion)
            out.push(`  image: ${c.imageVersion.old ?? "(none)"} → ${c.imageVersion.new ?? "(none)"}`);
        for (const p of c.pypi)
            out.push(`  pypi ${p.package}: ${p.old ?? "(added)"} → ${p.new ?? "(removed)"}`);
        for (const k of c.envVariables) out.push(`  env ${k.key}: ${k.kind}`);
        for (const k of c.airflowConfigOverrides) out.push(`  override ${k.key}: ${k.kind}`);
        for (const p of (report.preflight ?? []).filter((x) => x.urn === c.urn)) {
            if (p.status === "skipped") {
                out.push(`  PyPI preflight skipped: ${p.reason}`);
                continue;
            }
            const against = `against ${p.imageVersion}'s preinstalled set (from ${p.set.source}, read ${p.set.age} ago; pip ${p.pip})`;
            if (p.status === "passed")
                out.push(
                    `  PyPI preflight passed ${against}:`,
                    ...p.resolved.map(
                        (r) => `    ${r.name}==${r.version}${r.requested ? "" : " (dependency)"}`,
                    ),
                );
            else if (p.status === "conflict")
                out.push(
                    `  PyPI preflight: CONFLICT ${against}: ${p.message}`,
                    ...p.chain.map((l) => `    ${l}`),
                );
            else
                out.push(
                    `  PyPI preflight FAILED ${against}:`,
                    ...p.message.split("\n").map((l) => `    ${l}`),
                );
        }
    }
    for (const p of report.dags) {
        out.push(
            "",
            `Bucket objects under ${p.prefix}: +${p.added.length} ~${p.changed.length} -${p.removed.length}`,
        );
        for (const k of ["added", "changed", "removed"] as const)
            for (const f of p[k]) out.push(`  ${k}: ${f}`);
    }
    if (report.removedDags.length)
        out.push("", `Removed DAGs (Airflow stops scheduling them): ${report.removedDags.join(", ")}`);
    for (const h of report.helm) {
        out.push("", `Helm release ${h.release} (${KIND_WORD[h.kind]}):`);
        if (h.chart) out.push(`  chart: ${h.chart.old} → ${h.chart.new}${h.majorBump ? " (major)" : ""}`);
        if (h.contentHashChanged) out.push("  chart content changed");
        for (const v of h.values) out.push(`  values ${v.key}: ${v.kind}`);
        for (const f of h.valuesFiles) out.push(`  values file ${f} changed`);
    }
    const m = report.manifests;
    for (const x of m?.missing ?? [])
        out.push(
            "",
            `Rendered manifests: ${x.tool} is not on PATH (${x.candidates} changed release(s) not rendered).`,
        );
    for (const r of m?.releases ?? []) {
        out.push("", `Rendered manifests of ${r.release}${r.error ? `: not rendered (${r.error})` : ":"}`);
        for (const o of r.objects)
            out.push(`  ${o.kind} ${o.object}`, ...o.diff.split("\n").map((l) => `    ${l}`));
    }
    if (report.weakenings.length)
        out.push(
            "",
            "GitHub protection weakened:",
            ...report.weakenings.map((w) => `  ${w.subject}: ${w.what}`),
        );
    if (report.secretChanges.length)
        out.push(
            "",
            "Secrets (values never shown):",
            ...report.secretChanges.map((s) => `  ${s.subject} ${describeSecret(s)}`),
        );
    if (d.resources.length) {
        out.push("", "Resources:");
        for (const r of d.resources) {
            out.push(`  ${KIND_MARK[r.kind]} ${r.type} ${r.name}`);
            for (const line of resourceLines(r)) out.push(`      ${line}`);
        }
    }
    return out.join("\n");
}
