// Mocha's dot reporter plus one plain closing line ("N passed, N failed, N skipped") that CI systems read.
"use strict";
const { Dot } = require("mocha").reporters;
const { EVENT_RUN_END } = require("mocha").Runner.constants;

class SummaryReporter extends Dot {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const s = runner.stats;
            console.log(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped`);
        });
    }
}

module.exports = SummaryReporter;
