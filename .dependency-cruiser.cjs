// No import cycle between this project's modules (docs/contributing.md). ESLint's import/no-cycle did the same job
// at 94% of lint's time (about 40 s of CPU per `npm test`, TIMING=1); dependency-cruiser resolves the whole graph
// once (about 5 s). Type-only imports are erased by the compiler and cannot form a runtime cycle, so they are not
// followed (tsPreCompilationDeps: false), as import/no-cycle skipped `import type`.
// Rule shape: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md#circular
"use strict";

module.exports = {
    forbidden: [
        {
            name: "no-circular",
            comment:
                "A module must not import itself through other modules; break the cycle by moving the shared part down a layer.",
            severity: "error",
            from: {},
            to: { circular: true },
        },
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^(node_modules|bin|\\.bench|\\.tmp)/" },
        tsConfig: { fileName: "tsconfig.json" },
        tsPreCompilationDeps: false,
    },
};
