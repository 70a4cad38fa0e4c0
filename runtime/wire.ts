/**
 * The Pulumi engine's wire format for resource inputs (`@pulumi/pulumi/runtime/rpc`): special values are objects
 * tagged with a signature key. The recorder keeps inputs in this form because it is the only one that says
 * exactly which nested value is secret or unknown (deserialization pushes secrets up to the top-level property).
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";

export const UNKNOWN: string = rpc.unknownValue;
const SIG = rpc.specialSigKey;

export type Wire = unknown;

type Tagged = Record<string, unknown>;
const tag = (v: unknown): string | undefined =>
    v !== null && typeof v === "object" && !Array.isArray(v)
        ? ((v as Tagged)[SIG] as string | undefined)
        : undefined;

export const isUnknown = (v: unknown): boolean => v === UNKNOWN;
export const isSecret = (v: unknown): boolean => tag(v) === rpc.specialSecretSig;
export const isAsset = (v: unknown): v is { path?: string; text?: string; uri?: string } =>
    tag(v) === rpc.specialAssetSig;
export const isArchive = (
    v: unknown,
): v is { path?: string; uri?: string; assets?: Record<string, unknown> } => tag(v) === rpc.specialArchiveSig;
export const isResourceRef = (v: unknown): v is { urn: string; id?: string } =>
    tag(v) === rpc.specialResourceSig;
export const secretValue = (v: unknown): unknown => (v as Tagged).value;
