/**
 * The benchmark's floor: the SDK alone registering BENCH_OBJECTS bucket objects with literal content, no file
 * work, under the same mock runtime as the real program. Run by bench/dag-sync.ts through runProgram.
 */
import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";

const count = Number(process.env.BENCH_OBJECTS ?? "0");
const provider = new gcp.Provider("gcp", { project: "bench-project", region: "us-west2" });
for (let i = 0; i < count; i++) {
    const name = `dags/team-${Math.floor(i / 250)}/group-${Math.floor(i / 25) % 10}/dag_${String(i).padStart(5, "0")}.py`;
    new gcp.storage.BucketObject(
        name,
        {
            bucket: "bench-bucket",
            name,
            // Literal content as an asset, like the real objects' file asset (the `content` input is a secret,
            // which costs the SDK ~7 ms more per object and would flatter the ratio).
            source: new pulumi.asset.StringAsset("print('dag')\n"),
            contentType: "text/x-python",
        },
        { provider },
    );
}
