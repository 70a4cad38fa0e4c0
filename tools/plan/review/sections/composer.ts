import { compareComposerSoftware, composerSoftwareOfInputs } from "../../../../components/airflow/software";
import { SECRET, TYPES, valueAt, type PlanDiff, type ResourceDiff } from "../../../../lib/plan-document";

/** One row of the PyPI table: a package whose pin changed, was added or was removed. */
export interface PypiRow {
    readonly package: string;
    readonly kind: "added" | "removed" | "changed";
    /** Composer's specifier (`==1.2.3`, `[extras]>=1`, `""` = any version); absent on the side without it. */
    readonly old?: string;
    readonly new?: string;
}

/** A key of `envVariables` or `airflowConfigOverrides` that changed; values are not shown (they may be sensitive). */
export interface KeyChange {
    readonly key: string;
    readonly kind: "added" | "removed" | "changed";
}

export interface ComposerChange {
    readonly urn: string;
    /** The environment's name input (falls back to the resource name). */
    readonly name: string;
    readonly kind: ResourceDiff["kind"];
    readonly imageVersion?: { readonly old?: string; readonly new?: string };
    readonly pypi: readonly PypiRow[];
    readonly envVariables: readonly KeyChange[];
    readonly airflowConfigOverrides: readonly KeyChange[];
    /**
     * `imageVersion` and `pypiPackages` change in the same diff: Composer applies the image first and builds it
     * with the old packages (terraform-provider-google#15373), so the release should be split in two.
     */
    readonly imageAndPypiTogether: boolean;
}

const SOFTWARE = "config.softwareConfig";

/** The Composer component's own rule (issue 3), applied to both sides of an updated environment. */
function imageAndPackagesTogether(
    before: Record<string, unknown> | undefined,
    after: Record<string, unknown> | undefined,
): boolean {
    const base = before && composerSoftwareOfInputs(before);
    const head = after && composerSoftwareOfInputs(after);
    return Boolean(base && head && compareComposerSoftware(base, head).imageAndPackagesTogether);
}

/** What changed in each Composer environment: image version, PyPI pins, env variable and override keys. */
export function composerChanges(diff: PlanDiff): ComposerChange[] {
    return diff.resources
        .filter((r) => r.type === TYPES.composer)
        .map((r) => {
            const before = r.base?.inputs;
            const after = r.head?.inputs;
            const oldImage = valueAt(before, `${SOFTWARE}.imageVersion`);
            const newImage = valueAt(after, `${SOFTWARE}.imageVersion`);
            const pypi = mapChanges(
                valueAt(before, `${SOFTWARE}.pypiPackages`),
                valueAt(after, `${SOFTWARE}.pypiPackages`),
            ).map((c) => ({ package: c.key, kind: c.kind, ...specs(c) }));
            const imageChanged = oldImage !== newImage;
            return {
                urn: r.urn,
                name: String(valueAt(after ?? before, "name") ?? r.name),
                kind: r.kind,
                ...(imageChanged ? { imageVersion: { old: str(oldImage), new: str(newImage) } } : {}),
                pypi,
                envVariables: mapChanges(
                    valueAt(before, `${SOFTWARE}.envVariables`),
                    valueAt(after, `${SOFTWARE}.envVariables`),
                ).map(({ key, kind }) => ({ key, kind })),
                airflowConfigOverrides: mapChanges(
                    valueAt(before, `${SOFTWARE}.airflowConfigOverrides`),
                    valueAt(after, `${SOFTWARE}.airflowConfigOverrides`),
                ).map(({ key, kind }) => ({ key, kind })),
                imageAndPypiTogether: imageAndPackagesTogether(before, after),
            };
        })
        .filter(
            (c) =>
                c.kind !== "change" ||
                c.imageVersion ||
                c.pypi.length ||
                c.envVariables.length ||
                c.airflowConfigOverrides.length,
        );
}

const str = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

function specs(c: { old?: unknown; new?: unknown }): { old?: string; new?: string } {
    return {
        ...(c.old !== undefined ? { old: String(c.old) } : {}),
        ...(c.new !== undefined ? { new: String(c.new) } : {}),
    };
}

interface MapChange {
    key: string;
    kind: "added" | "removed" | "changed";
    old?: unknown;
    new?: unknown;
}

/**
 * Key-level changes of two string maps, keys sorted. A map that is a secret as a whole compares as one opaque
 * value, never by its entries.
 */
export function mapChanges(before: unknown, after: unknown): MapChange[] {
    const a = asMap(before);
    const b = asMap(after);
    const out: MapChange[] = [];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        if (!(key in a)) out.push({ key, kind: "added", new: b[key] });
        else if (!(key in b)) out.push({ key, kind: "removed", old: a[key] });
        else if (JSON.stringify(a[key]) !== JSON.stringify(b[key]))
            out.push({ key, kind: "changed", old: a[key], new: b[key] });
    }
    return out;
}

function asMap(v: unknown): Record<string, unknown> {
    if (v === SECRET) return { [SECRET]: SECRET };
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
