/**
 * The stand-ins' "cloud": one JSON file per live resource under <root>/<package>/<type>/, written atomically, so
 * several plugin processes (one per provider instance) can share it. Tests seed it to model objects that exist
 * before Pulumi manages them (adoption).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shortHash } from "./rules";

export interface Live {
    type: string;
    id: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
}

const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, "_");

export class Store {
    constructor(
        readonly root: string,
        readonly pkg: string,
    ) {}

    file(type: string, id: string): string {
        return path.join(this.root, this.pkg, safe(type), `${safe(id)}-${shortHash(id).slice(0, 8)}.json`);
    }

    write(live: Live): void {
        const file = this.file(live.type, live.id);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(live));
        fs.renameSync(`${file}.${process.pid}.tmp`, file);
    }

    read(type: string, id: string): Live | undefined {
        const file = this.file(type, id);
        return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Live) : undefined;
    }

    remove(type: string, id: string): void {
        fs.rmSync(this.file(type, id), { force: true });
    }

    /** Every live resource of one type, ordered by id. */
    list(type: string): Live[] {
        const dir = path.join(this.root, this.pkg, safe(type));
        if (!fs.existsSync(dir)) return [];
        return fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".json"))
            .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Live)
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
}
