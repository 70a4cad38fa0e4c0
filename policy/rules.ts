/**
 * The policy rules: pure functions over one resource (type, inputs in plan form, options) and the channel's
 * policy settings. The same functions run in the CrossGuard pack (`policy/index.ts`, for `pulumi preview
 * --policy-pack policy`) and inside the offline plan, so fork PRs without credentials see violations too.
 *
 * Plan form: secrets are the string `[secret]`, values only the cloud knows `(computed)` (see
 * `lib/plan-document.ts`); the pack converts CrossGuard's properties to this form first.
 */

export type EnforcementLevel = "mandatory" | "advisory" | "disabled";

/** One resource as a rule sees it. */
export interface PolicyResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    readonly options: {
        readonly protect?: boolean;
        readonly deleteBeforeReplace?: boolean;
        readonly replaceOnChanges?: readonly string[];
    };
}

/** The channel's settings the rules depend on (from `data-infra:policy`, resolved by `config/sections/policy.ts`). */
export interface PolicyContext {
    /** The stack (release channel) name. */
    readonly channel: string;
    /** A production channel: its Composer environment is protected, images pinned by digest, reviews required. */
    readonly production: boolean;
    /** Object name prefixes the program may write into buckets (`dags/`, `plugins/`). */
    readonly managedPrefixes: readonly string[];
    /**
     * Blue/green (`data-infra:composer.serve`): the Composer environments (component names, `composer`,
     * `composer-next`) that are declared but do not serve the channel. Their protection may be lifted before
     * `retire`; the serving one stays protected.
     */
    readonly composerNotServing?: readonly string[];
    /** The Composer environment `data-infra:composer.retire` names (`composer` or `composer-next`): its delete is asked for. */
    readonly composerRetired?: readonly string[];
    /**
     * Reads a project file (a Helm values file, by its project-relative path) for rules that scan file content;
     * `undefined` when unreadable. The offline plan sets it; without it such content is not scanned.
     */
    readonly readFile?: (projectPath: string) => string | undefined;
}

/** What a rule found: where (input path) and how to fix it. */
export interface RuleFinding {
    readonly path: string;
    readonly message: string;
    readonly fix: string;
}

export interface Rule {
    /** Stable kebab-case name: used in config (`data-infra:policy.rules`), output and the pack. */
    readonly name: string;
    readonly description: string;
    /**
     * The rule must know which values are secret. CrossGuard unwraps secrets before resource validation
     * (`@pulumi/policy` deserializes with `proxySecrets=false`), so such rules run only in the offline plan.
     */
    readonly secretAware?: boolean;
    check(resource: PolicyResource, ctx: PolicyContext): RuleFinding[];
}

/** A rule's finding on a resource, with the enforcement level it has in this channel. */
export interface Violation extends RuleFinding {
    readonly rule: string;
    readonly level: Exclude<EnforcementLevel, "disabled">;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
}
